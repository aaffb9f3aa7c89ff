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
