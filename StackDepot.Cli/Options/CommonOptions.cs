using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace StackDepot.Cli.Options;

/// <summary>
/// Options every command can reuse, and the range checks of numeric options. The groups built on them
/// (<see cref="TargetOptions"/>, <see cref="SamplingOptions"/>, <see cref="ReportOptions"/>) each add their options
/// to a command and read them back as settings; a new command picks the groups it needs.
/// </summary>
internal static class CommonOptions
{
    /// <summary><c>-v/--verbose</c>, on the root and every command below it.</summary>
    public static Option<bool> Verbose() =>
        new("--verbose", "-v") { Description = "Log details (and stack traces of errors) to stderr", Recursive = true };

    /// <summary><c>-q/--quiet</c>: no progress on stderr.</summary>
    public static Option<bool> Quiet() => new("--quiet", "-q") { Description = "No progress on stderr" };

    /// <summary><c>--runtime-frames</c>: keep the frames reports leave out by default.</summary>
    public static Option<bool> RuntimeFrames() => new("--runtime-frames")
    {
        Description = "Include runtime frames (helper, transition and other explicit frames) and the async plumbing (state machine start, execution context, task dispatch)",
    };

    /// <summary><c>--raw-names</c>: methods as the runtime names them.</summary>
    public static Option<bool> RawNames() => new("--raw-names")
    {
        Description = "Print methods exactly as the runtime names them (compiler-generated names, metadata type names) instead of as they were written",
    };

    /// <summary><c>-p/--pid</c>.</summary>
    public static Option<int?> Pid(string description = "Process id of the target") =>
        new("--pid", "-p")
        {
            Description = description,
            HelpName = "PID",
            CustomParser = result => ParseNumber<int>(result, "--pid", "a process id (a positive whole number)"),
        };

    /// <summary><c>--name</c>.</summary>
    public static Option<string?> Name() =>
        new("--name") { Description = "Name of the target (as 'stackdepot ps' shows it); must match one process", HelpName = "NAME" };

    /// <summary>Accepts one of <paramref name="values"/> (offered as completions, listed in the help as
    /// <c>&lt;a|b|c&gt;</c>); anything else is an error that names the option, the values and what was given:
    /// <c>--format takes one of text, tree, json, not 'xml'</c>.</summary>
    public static Option<string> OneOf(Option<string> option, params string[] values)
    {
        option.HelpName ??= string.Join('|', values);
        option.CompletionSources.Add(values);
        option.Validators.Add(result =>
        {
            foreach (Token token in result.Tokens)
            {
                if (!values.Contains(token.Value, StringComparer.Ordinal))
                {
                    result.AddError($"{option.Name} takes one of {string.Join(", ", values)}, not '{token.Value}'");
                }
            }
        });
        return option;
    }

    /// <summary><c>--duration TIME</c>: a positive time as users type it (<see cref="DurationText"/>: <c>30s</c>,
    /// <c>500ms</c>, <c>2m</c>, <c>1h</c>, or seconds); anything else is an error that names the value.</summary>
    public static Option<TimeSpan?> Duration(string description) => new("--duration")
    {
        Description = description,
        HelpName = "TIME",
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (DurationText.TryParse(text, out TimeSpan duration))
            {
                return duration;
            }

            result.AddError($"--duration takes a time such as 30s, 500ms or 2m, not '{text}'");
            return null;
        },
    };

    /// <summary>
    /// A time option (<c>--interval</c>, <c>--timeout</c>, <c>--refresh</c>) that reads times as <c>--duration</c> does
    /// (<c>100ms</c>, <c>1.5s</c>, <c>2m</c>), and a bare number in the option's own unit, <paramref name="bareUnit"/>
    /// (<c>ms</c> or <c>s</c>), as it always has; outside <paramref name="min"/>..<paramref name="max"/> is an error that
    /// names the range and the value.
    /// </summary>
    /// <remarks>No default value is set on the option (the parser would print it as <c>00:00:10</c>): the description
    /// says it, and the reader applies it when <c>GetResult(option)</c> is implicit.</remarks>
    public static Option<TimeSpan> Time(string name, string description, string bareUnit, TimeSpan min, TimeSpan max)
    {
        string unitWord = bareUnit == "ms" ? "milliseconds" : "seconds";
        return new Option<TimeSpan>(name)
        {
            Description = description,
            HelpName = "TIME",
            CustomParser = result =>
            {
                string text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : string.Empty;
                bool bare = double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number);
                TimeSpan time = TimeSpan.Zero;
                if (!(bare && number == 0) && !DurationText.TryParse(bare ? text + bareUnit : text, out time))
                {
                    result.AddError($"{name} takes a time such as 100ms or 2s (a bare number is {unitWord}), not '{text}'");
                    return default;
                }

                if (time < min || time > max)
                {
                    result.AddError($"{name} must be between {DurationText.AsTyped(min)} and {DurationText.AsTyped(max)}, not '{text}'");
                }

                return time;
            },
        };
    }

    /// <summary>The value of a <see cref="Time"/> option, or <paramref name="defaultValue"/> when it was not given.</summary>
    public static TimeSpan TimeOrDefault(ParseResult parse, Option<TimeSpan> option, TimeSpan defaultValue) =>
        parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option) : defaultValue;

    /// <summary>Accepts values from 1 up.</summary>
    public static T Positive<T>(T option)
        where T : Option<int> => Range(option, 1, int.MaxValue);

    /// <summary>Accepts values from 0 up.</summary>
    public static T NonNegative<T>(T option)
        where T : Option<int> => Range(option, 0, int.MaxValue);

    /// <summary>Accepts whole numbers from <paramref name="min"/> to <paramref name="max"/>; an error names the value
    /// and what was expected.</summary>
    public static T Range<T>(T option, int min, int max)
        where T : Option<int>
    {
        string expected = max == int.MaxValue
            ? string.Create(CultureInfo.InvariantCulture, $"a whole number of at least {min}")
            : string.Create(CultureInfo.InvariantCulture, $"a whole number from {min} to {max}");
        option.CustomParser = result =>
        {
            int value = ParseNumber<int>(result, option.Name, expected);
            if (result.Errors.Any())
            {
                return value;
            }

            if (value < min || value > max)
            {
                result.AddError(max == int.MaxValue
                    ? $"{option.Name} must be at least {min}, not {value}"
                    : $"{option.Name} must be between {min} and {max}, not {value}");
            }

            return value;
        };
        return option;
    }

    /// <summary>Accepts whole numbers; anything else is an error that names the value and what was expected.</summary>
    public static Option<long> WholeNumber(Option<long> option)
    {
        option.CustomParser = result => ParseNumber<long>(result, option.Name, "a whole number");
        return option;
    }

    /// <summary>Parses the option's value as a whole number (invariant culture), or reports
    /// <c>--name takes EXPECTED, not 'VALUE'</c> instead of the parser's type name.</summary>
    private static T ParseNumber<T>(ArgumentResult result, string name, string expected)
        where T : IBinaryInteger<T>
    {
        string token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (T.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out T? value))
        {
            return value;
        }

        result.AddError($"{name} takes {expected}, not '{token}'");
        return T.Zero;
    }
}
