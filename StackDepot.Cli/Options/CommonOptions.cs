using System.CommandLine;

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
        new("--pid", "-p") { Description = description, HelpName = "PID" };

    /// <summary><c>--name</c>.</summary>
    public static Option<string?> Name() =>
        new("--name") { Description = "Name of the target (as 'stackdepot ps' shows it); must match one process", HelpName = "NAME" };

    /// <summary>Accepts values from 1 up.</summary>
    public static T Positive<T>(T option)
        where T : Option<int> => Range(option, 1, int.MaxValue);

    /// <summary>Accepts values from 0 up.</summary>
    public static T NonNegative<T>(T option)
        where T : Option<int> => Range(option, 0, int.MaxValue);

    /// <summary>Accepts values from <paramref name="min"/> to <paramref name="max"/>; the error names both and the value.</summary>
    public static T Range<T>(T option, int min, int max)
        where T : Option<int>
    {
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < min || value > max)
            {
                result.AddError(max == int.MaxValue
                    ? $"{result.Option.Name} must be at least {min}, not {value}"
                    : $"{result.Option.Name} must be between {min} and {max}, not {value}");
            }
        });
        return option;
    }
}
