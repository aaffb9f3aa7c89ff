using System.CommandLine;
using System.CommandLine.Parsing;

namespace StackDepot.Cli.Options;

/// <summary>
/// Target selection: <c>--pid N</c>, <c>--name NAME</c>, where a dump will do <c>--dump FILE</c>, and where a program
/// can be started under the tool <c>-- COMMAND [ARGS]</c>; exactly one.
/// </summary>
internal sealed class TargetOptions
{
    /// <summary>The name of the <c>-- COMMAND [ARGS]</c> argument.</summary>
    private const string CommandArgumentName = "command";

    private readonly bool _allowDump;

    /// <summary>Creates the options.</summary>
    /// <param name="allowDump">Whether the command can read a dump instead of a live process.</param>
    /// <param name="allowCommand">Whether the command can start a program under the tool (<c>-- COMMAND [ARGS]</c>).</param>
    public TargetOptions(bool allowDump, bool allowCommand = false)
    {
        _allowDump = allowDump;
        Dump = allowDump ? new Option<string?>("--dump", "-d") { Description = "Read the stacks from a dump file instead of a live process", HelpName = "FILE" } : null;
        Command = allowCommand
            ? new Argument<string[]>(CommandArgumentName) { Description = "After --: a program to start under stackdepot, with its arguments", Arity = ArgumentArity.ZeroOrMore }
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
    /// <exception cref="CliException">A word that is no option stands before <c>--</c> (a pid given without
    /// <c>--pid</c>, a stray argument): it would otherwise be started as a program.</exception>
    public TargetSelection Read(ParseResult parse)
    {
        if (StrayArgument(parse) is { } stray)
        {
            throw new CliException(ExitCode.Usage, stray);
        }

        string[]? command = null;
        if (Command is not null && parse.GetResult(Command) is { Tokens.Count: > 0 } given)
        {
            command = [.. given.Tokens.Select(t => t.Value)];
        }

        return new TargetSelection
        {
            Pid = parse.GetValue(Pid),
            Name = parse.GetValue(Name),
            DumpPath = Dump is null ? null : parse.GetValue(Dump),
            Command = command,
        };
    }

    /// <summary>
    /// The error for a word the parser gave to the command's <c>-- COMMAND [ARGS]</c> argument that stands before
    /// <c>--</c> (a pid without <c>--pid</c>, an option the command does not have); null when there is none.
    /// </summary>
    public static string? StrayArgument(ParseResult parse)
    {
        Command command = parse.CommandResult.Command;
        if (command.Arguments.FirstOrDefault(a => a.Name == CommandArgumentName) is not { } argument || parse.GetResult(argument) is not { Tokens.Count: > 0 } given)
        {
            return null;
        }

        int dash = IndexOf(parse.Tokens, t => t.Type == TokenType.DoubleDash);
        if (given.Tokens.FirstOrDefault(t => dash < 0 || IndexOf(parse.Tokens, u => ReferenceEquals(u, t)) < dash) is not { } stray)
        {
            return null;
        }

        string name = "stackdepot " + command.Name;
        if (stray.Value.StartsWith('-'))
        {
            return $"unknown option '{stray.Value}' for '{name}' (see '{name} --help')";
        }

        string hint = int.TryParse(stray.Value, out _) ? $"to record process {stray.Value} use --pid {stray.Value}; " : string.Empty;
        return $"unexpected argument '{stray.Value}' ({hint}a program to start under stackdepot goes after --: {name} [options] -- COMMAND [ARGS])";
    }

    private static int IndexOf(IReadOnlyList<Token> tokens, Func<Token, bool> match)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            if (match(tokens[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
