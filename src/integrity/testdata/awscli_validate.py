"""Runs the AWS CLI's own validate-logs code over buckets kept as folders.

Only the CLI's AWS clients are replaced: S3 reads `<root>/<bucket>/<key>` with the object's user
metadata in `<key>.metadata.json` (the layout of OpenTrail's directory buckets), and CloudTrail's
ListPublicKeys answers from a ListPublicKeys JSON file. Everything else -- listing and filtering
digest keys, the chain walk, signature checks, log hashing, the report and the exit status -- is
awscli.customizations.cloudtrail.validation as installed, so its output is the CLI's output.

usage: awscli_validate.py ROOT PUBLIC_KEYS_JSON TRAIL_ARN START [--end-time T] [--s3-bucket B]
                          [--s3-prefix P] [--account-id A] [--region R] [--verbose]
Prints exactly what `aws cloudtrail validate-logs` would print and exits with its status.
"""

import argparse
import io
import json
import os
import sys

import botocore.session
from botocore.exceptions import ClientError

from awscli.customizations.cloudtrail import validation

METADATA_SUFFIX = '.metadata.json'


class FolderS3Client:
    def __init__(self, root):
        self._root = root

    def _bucket_dir(self, bucket):
        return os.path.join(self._root, bucket)

    def get_object(self, Bucket, Key):
        path = os.path.join(self._bucket_dir(Bucket), Key)
        if Key.endswith(METADATA_SUFFIX) or not os.path.isfile(path):
            raise ClientError(
                {'Error': {'Code': 'NoSuchKey', 'Message': 'The specified key does not exist.'}},
                'GetObject',
            )
        metadata = {}
        if os.path.isfile(path + METADATA_SUFFIX):
            with open(path + METADATA_SUFFIX) as f:
                metadata = json.load(f)
        with open(path, 'rb') as f:
            body = f.read()
        return {'Body': io.BytesIO(body), 'Metadata': metadata}

    def get_paginator(self, name):
        assert name == 'list_objects', name
        return FolderPaginator(self)

    def keys(self, bucket):
        base = self._bucket_dir(bucket)
        out = []
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.endswith(METADATA_SUFFIX):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), base)
                out.append(rel.replace(os.sep, '/'))
        return sorted(out)


class FolderPaginator:
    def __init__(self, client):
        self._client = client

    def paginate(self, Bucket, Marker='', Prefix=''):
        keys = [k for k in self._client.keys(Bucket) if k.startswith(Prefix) and k > Marker]
        return FolderPages(keys)


class FolderPages:
    def __init__(self, keys):
        self._keys = keys

    def search(self, expression):
        assert expression == 'Contents[*].Key', expression
        return iter(self._keys)


class FolderS3Provider:
    def __init__(self, root):
        self._client = FolderS3Client(root)

    def get_client(self, bucket_name):
        return self._client


class FilePublicKeys:
    """ListPublicKeys from a file; Value stays base64 text, as the CLI's own blob parser leaves it."""

    def __init__(self, path):
        with open(path) as f:
            self._keys = json.load(f)['PublicKeyList']

    def list_public_keys(self, StartTime, EndTime):
        return {'PublicKeyList': self._keys}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('root')
    p.add_argument('public_keys')
    p.add_argument('trail_arn')
    p.add_argument('start_time')
    p.add_argument('--end-time', dest='end_time')
    p.add_argument('--s3-bucket', dest='s3_bucket')
    p.add_argument('--s3-prefix', dest='s3_prefix')
    p.add_argument('--account-id', dest='account_id')
    p.add_argument('--region')
    p.add_argument('--verbose', action='store_true')
    args = p.parse_args()

    command = validation.CloudTrailValidateLogs(botocore.session.get_session())
    region = args.region or args.trail_arn.split(':')[3]

    def setup_services(_parsed_globals):
        command._source_region = region
        command.s3_client_provider = FolderS3Provider(args.root)
        command.cloudtrail_client = FilePublicKeys(args.public_keys)
        command.organization_client = None

    command.setup_services = setup_services
    try:
        rc = command._run_main(args, None)
    except Exception as e:  # what awscli.clidriver does with any other error
        sys.stdout.flush()
        sys.stderr.write('\n' + str(e) + '\n')
        rc = 255
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(rc)


if __name__ == '__main__':
    main()
