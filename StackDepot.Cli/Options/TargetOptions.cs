using System.CommandLine;

namespace StackDepot.Cli.Options;

/// <summary>Target selection: <c>--pid N</c>, <c>--name NAME</c> and, where a dump will do, <c>--dump FILE</c>; exactly one.</summary>
internal sealed class TargetOptions
{
    private readonly bool _allowDump;

    /// <summary>Creates the options.</summary>
    /// <param name="allowDump">Whether the command can read a dump instead of a live process.</param>
    public TargetOptions(bool allowDump)
    {
        _allowDump = allowDump;
        Dump = allowDump ? new Option<string?>("--dump", "-d") { Description = "Read the stacks from a dump file instead of a live process", HelpName = "FILE" } : null;
    }

    public Option<int?> Pid { get; } = CommonOptions.Pid();

    public Option<string?> Name { get; } = CommonOptions.Name();

    public Option<string?>? Dump { get; }

    /// <summary>Adds the options, and the rule that exactly one is given, to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(Pid);
        command.Add(Name);
        if (Dump is not null)
        {
            command.Add(Dump);
        }

        command.Validators.Add(result =>
        {
            int given = (result.GetResult(Pid) is null ? 0 : 1) + (result.GetResult(Name) is null ? 0 : 1) +
                        (Dump is null || result.GetResult(Dump) is null ? 0 : 1);
            if (given != 1)
            {
                string choices = _allowDump ? "--pid N, --name NAME or --dump FILE" : "--pid N or --name NAME";
                result.AddError(given == 0 ? $"give a target: {choices}" : $"give only one target: {choices}");
            }
        });
    }

    /// <summary>The target given.</summary>
    public TargetSelection Read(ParseResult parse) => new()
    {
        Pid = parse.GetValue(Pid),
        Name = parse.GetValue(Name),
        DumpPath = Dump is null ? null : parse.GetValue(Dump),
    };
}
