using System.CommandLine;

namespace StackDepot.Cli.Options;

/// <summary>
/// Target selection: <c>--pid N</c>, <c>--name NAME</c>, where a dump will do <c>--dump FILE</c>, and where a program
/// can be started under the tool <c>-- COMMAND [ARGS]</c>; exactly one.
/// </summary>
internal sealed class TargetOptions
{
    private readonly bool _allowDump;

    /// <summary>Creates the options.</summary>
    /// <param name="allowDump">Whether the command can read a dump instead of a live process.</param>
    /// <param name="allowCommand">Whether the command can start a program under the tool (<c>-- COMMAND [ARGS]</c>).</param>
    public TargetOptions(bool allowDump, bool allowCommand = false)
    {
        _allowDump = allowDump;
        Dump = allowDump ? new Option<string?>("--dump", "-d") { Description = "Read the stacks from a dump file instead of a live process", HelpName = "FILE" } : null;
        Command = allowCommand
            ? new Argument<string[]>("command") { Description = "After --: a program to start under stackdepot, with its arguments", Arity = ArgumentArity.ZeroOrMore }
            : null;
    }

    public Option<int?> Pid { get; } = CommonOptions.Pid();

    public Option<string?> Name { get; } = CommonOptions.Name();

    public Option<string?>? Dump { get; }

    public Argument<string[]>? Command { get; }

    /// <summary>Adds the options, and the rule that exactly one is given, to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(Pid);
        command.Add(Name);
        if (Dump is not null)
        {
            command.Add(Dump);
        }

        if (Command is not null)
        {
            command.Add(Command);
        }

        command.Validators.Add(result =>
        {
            int given = (result.GetResult(Pid) is null ? 0 : 1) + (result.GetResult(Name) is null ? 0 : 1) +
                        (Dump is null || result.GetResult(Dump) is null ? 0 : 1) +
                        (Command is null || result.GetValue(Command) is not { Length: > 0 } ? 0 : 1);
            if (given != 1)
            {
                string choices = (_allowDump, Command is not null) switch
                {
                    (true, true) => "--pid N, --name NAME, --dump FILE or -- COMMAND [ARGS]",
                    (true, false) => "--pid N, --name NAME or --dump FILE",
                    (false, true) => "--pid N, --name NAME or -- COMMAND [ARGS]",
                    _ => "--pid N or --name NAME",
                };
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
        Command = Command is null || parse.GetValue(Command) is not { Length: > 0 } command ? null : command,
    };
}
