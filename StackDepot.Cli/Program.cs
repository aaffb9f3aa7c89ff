using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using StackDepot.Cli.Commands;
using StackDepot.Cli.Options;
using StackDepot.Cli.Output;
using StackDepot.Pprof;
using StackDepot.Reporting;

namespace StackDepot.Cli;

/// <summary>
/// The command line: assembles the commands (each builds itself in <c>Commands/</c>), runs the one asked for, and maps
/// every failure to one line on stderr and an exit code (<see cref="ExitCode"/>).
/// </summary>
internal static class Program
{
    /// <summary>The report formats <c>--format</c> offers: the library's, plus one <c>Add</c> per format from another
    /// assembly.</summary>
    public static ReportFormatRegistry CreateFormats() => ReportFormatRegistry.CreateDefault()
        .Add(new PprofReportFormatter());

    /// <summary>The root command with every command below it.</summary>
    public static RootCommand CreateRoot(CliContext context, Option<bool> verbose) =>
        new("Attach to a .NET process (or open a dump) and print its thread stacks, deduplicated and counted.")
        {
            verbose,
            PsCommand.Create(context),
            StacksCommand.Create(context),
            TopCommand.Create(context),
            AllocCommand.Create(context),
            LeaksCommand.Create(context),
            DumpCommand.Create(context),
            DemoCommand.Create(context),
            DiffCommand.Create(context),
            MeasureCommand.Create(context),
        };

    /// <summary>
    /// Runs one command line on <paramref name="console"/>: what <c>Main</c> does, without its signal handlers, so that
    /// tests run the CLI in-process. Never throws: failures are one <c>stackdepot: error: ...</c> line and a code.
    /// </summary>
    /// <param name="args">The arguments.</param>
    /// <param name="console">Where output, messages and help go.</param>
    /// <param name="cancellation">Signalled on Ctrl-C/SIGINT/SIGTERM: the command releases its target and the run
    /// ends with <see cref="ExitCode.Canceled"/>.</param>
    /// <param name="formats">The report formats; <see cref="CreateFormats"/> when null.</param>
    /// <param name="interruptCode">Once <paramref name="cancellation"/> is signalled: the exit code for the signal that
    /// did it (130 for SIGINT when null).</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(string[] args, ICliConsole console, CancellationToken cancellation, ReportFormatRegistry? formats = null, Func<ExitCode>? interruptCode = null)
    {
        var level = new LoggingLevelSwitch(LogEventLevel.Warning);
        using Logger log = new LoggerConfiguration()
            .MinimumLevel.ControlledBy(level)
            .WriteTo.Sink(new TextWriterSink(console.Error))
            .CreateLogger();
        var context = new CliContext(console, log, formats ?? CreateFormats()) { InterruptCode = interruptCode ?? (static () => ExitCode.Canceled) };
        try
        {
            Option<bool> verbose = CommonOptions.Verbose();
            RootCommand root = CreateRoot(context, verbose);
            ParseResult parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                return Fail(console, ExitCode.Usage, DescribeParseError(parse, root));
            }

            if (parse.GetValue(verbose))
            {
                level.MinimumLevel = LogEventLevel.Debug;
            }

            var invocation = new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null, // Main handles the signals
                Output = console.Out,
                Error = console.Error,
            };
            return await parse.InvokeAsync(invocation, cancellation).ConfigureAwait(false);
        }
        catch (CliException e)
        {
            log.Debug(e, "Failed");
            return Fail(console, e.Code, e.Message);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return Fail(console, context.InterruptCode(), $"interrupted by {context.InterruptName}; the target was released");
        }
        catch (Exception e)
        {
            log.Debug(e, "Unexpected failure");
            return Fail(console, ExitCode.Failure, $"unexpected {e.GetType().Name}: {e.Message} (run with -v for details)");
        }
    }

    private static async Task<int> Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        ExitCode interrupt = ExitCode.Canceled;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true; // finish cleanly: the target must be released before the process ends
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using PosixSignalRegistration? sigterm = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            if (!cancellation.IsCancellationRequested)
            {
                interrupt = ExitCode.Terminated;
            }

            cancellation.Cancel();
        });
        try
        {
            return await RunAsync(args, SystemConsole.Instance, cancellation.Token, interruptCode: () => interrupt).ConfigureAwait(false);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>
    /// The parse error a person can act on: an unknown command or option named as such (the parser says "Required
    /// command was not provided" first), otherwise the parser's first error; then where help is.
    /// </summary>
    private static string DescribeParseError(ParseResult parse, RootCommand root)
    {
        if (Options.TargetOptions.StrayArgument(parse) is { } stray)
        {
            return stray; // before the target rule's complaint: "leaks --view live" has an unknown option, not two targets
        }

        Command command = parse.CommandResult.Command;
        string name = command == root ? "stackdepot" : "stackdepot " + command.Name;
        string commands = string.Join(", ", root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
        string? unmatched = parse.UnmatchedTokens.FirstOrDefault();
        string message = unmatched switch
        {
            not null when command == root && !unmatched.StartsWith('-') => $"unknown command '{unmatched}' (the commands are {commands})",
            not null when unmatched.StartsWith('-') => $"unknown option '{unmatched}' for '{name}'",
            not null => $"unexpected argument '{unmatched}' for '{name}'",
            null when command == root => $"give a command: {commands}",
            null => parse.Errors[0].Message,
        };
        return $"{message} (see '{name} --help')";
    }

    /// <summary>Prints the one error line (line breaks inside the message become spaces) and returns the code.</summary>
    private static int Fail(ICliConsole console, ExitCode code, string message)
    {
        string line = Regex.Replace(message.Trim(), @"\s*[\r\n]+\s*", " ");
        console.Error.WriteLine("stackdepot: error: " + line);
        return (int)code;
    }
}
