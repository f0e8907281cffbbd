/** asl-validator ships no types: the part of its API the tests use. */
declare module 'asl-validator' {
  interface ValidationError {
    readonly 'Error code': string;
    readonly Message: string;
  }
  export default function validator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): { isValid: boolean; errors: ValidationError[]; errorsText: (separator?: string) => string };
}
