// ES2024 string methods, present in Node 20 (V8 11.3). The project's lib stays ES2023 so that
// nothing newer than Node 20 slips in; these two are declared here, once, for the whole project.
interface String {
  isWellFormed(): boolean;
  toWellFormed(): string;
}
