// Date and DateTime travel as ISO 8601 strings. The checks are strict enough that a resolver
// bug (or a client sending garbage) shows up as an error instead of passing through silently.
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function isoScalar(
  name: string,
  pattern: RegExp,
  fromDate: (d: Date) => string,
): GraphQLScalarType {
  const check = (value: unknown): string => {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return fromDate(value);
    if (typeof value === 'string' && pattern.test(value) && !Number.isNaN(Date.parse(value))) {
      return value;
    }
    throw new GraphQLError(`${name} cannot represent value: ${JSON.stringify(value)}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  };
  return new GraphQLScalarType<string, string>({
    name,
    serialize: check,
    parseValue: check,
    parseLiteral: (ast) => {
      if (ast.kind !== Kind.STRING) {
        throw new GraphQLError(`${name} must be a string`, {
          extensions: { code: 'BAD_USER_INPUT' },
        });
      }
      return check(ast.value);
    },
  });
}

export const DateScalar = isoScalar('Date', DATE, (d) => d.toISOString().slice(0, 10));
export const DateTimeScalar = isoScalar('DateTime', DATE_TIME, (d) => d.toISOString());

/** SEEK's HistoryDate: a year, a year and month, or a complete date (2020, 2020-05, 2020-05-27). */
export const HistoryDateScalar = isoScalar('HistoryDate', /^\d{4}(-\d{2}(-\d{2})?)?$/, (d) =>
  d.toISOString().slice(0, 10),
);
