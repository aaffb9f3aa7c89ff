using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using Serilog;
using Serilog.Events;
using StackDepot.Cli;
using StackDepot.Cli.Commands;
using StackDepot.Cli.Sampling;
using StackDepot.Reporting;

return await StackDepotCli.RunAsync(args).ConfigureAwait(false);

namespace StackDepot.Cli
{
    /// <summary>The command line: parsing, the commands, and the mapping of every failure to one line and an exit code.</summary>
    internal static class StackDepotCli
    {
        public static async Task<int> RunAsync(string[] args)
        {
            var verbose = new Option<bool>("--verbose", "-v") { Description = "Log details (and stack traces of errors) to stderr", Recursive = true };
            var root = new RootCommand("Attach to a .NET process (or open a dump) and print its thread stacks, deduplicated and counted.")
            {
                verbose,
            };

            root.Add(BuildPs());
            root.Add(BuildStacks());
            root.Add(BuildDump());
            root.Add(BuildDemo());
            root.Add(BuildMeasure());

            ParseResult parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                string command = parse.CommandResult.Command == root ? "stackdepot" : "stackdepot " + parse.CommandResult.Command.Name;
                return Fail(ExitCode.Usage, $"{parse.Errors[0].Message} (see '{command} --help')");
            }

            ConfigureLogging(parse.GetValue(verbose));
            using var cancellation = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true; // finish cleanly: the target must be released before the process ends
                cancellation.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            using PosixSignalRegistration? sigterm = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                cancellation.Cancel();
            });
            try
            {
                return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, cancellation.Token)
                    .ConfigureAwait(false);
            }
            catch (CliException e)
            {
                Log.Debug(e, "Failed");
                return Fail(e.Code, e.Message);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return Fail(ExitCode.Canceled, "interrupted; the target was released");
            }
            catch (Exception e)
            {
                Log.Debug(e, "Unexpected failure");
                return Fail(ExitCode.Failure, $"unexpected {e.GetType().Name}: {e.Message} (run with -v for details)");
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
                await Log.CloseAndFlushAsync().ConfigureAwait(false);
            }
        }

        /// <summary>Prints the one error line (line breaks inside the message become spaces) and returns the code.</summary>
        private static int Fail(ExitCode code, string message)
        {
            string line = System.Text.RegularExpressions.Regex.Replace(message.Trim(), @"\s*[\r\n]+\s*", " ");
            Console.Error.WriteLine("stackdepot: error: " + line);
            return (int)code;
        }

        private static void ConfigureLogging(bool verbose) =>
            Log.Logger = new LoggerConfiguration()
                .MinimumLevel.Is(verbose ? LogEventLevel.Debug : LogEventLevel.Warning)
                .WriteTo.Console(
                    standardErrorFromLevel: LogEventLevel.Verbose,
                    outputTemplate: "stackdepot: {Level:w}: {Message:lj}{NewLine}{Exception}",
                    formatProvider: System.Globalization.CultureInfo.InvariantCulture)
                .CreateLogger();

        private static Command BuildPs()
        {
            var command = new Command("ps", "List the .NET processes that can be inspected: pid, name, command line.");
            command.SetAction(_ => (int)PsCommand.Run(Console.Out));
            return command;
        }

        /// <summary>The options shared by <c>stacks</c> and <c>demo</c>.</summary>
        private sealed class SamplingOptions
        {
            public Option<int> Samples { get; } = Positive(new Option<int>("--samples", "-n") { Description = "Snapshots to take; each attaches, walks and detaches", DefaultValueFactory = _ => 1 });

            public Option<int> Interval { get; } = NonNegative(new Option<int>("--interval") { Description = "Milliseconds from one snapshot's start to the next", DefaultValueFactory = _ => 100 });

            public Option<int> Top { get; } = NonNegative(new Option<int>("--top") { Description = "Show the N largest stacks, 0 for all (default 20; all for folded and speedscope)", DefaultValueFactory = _ => 20 });

            public Option<long> MinCount { get; } = new Option<long>("--min-count") { Description = "Show only stacks seen at least N times", DefaultValueFactory = _ => 0 };

            public Option<string> Format { get; } = new Option<string>("--format", "-f") { Description = "Output format", DefaultValueFactory = _ => "text" }
                .AcceptOnlyFromAmong([.. StackReportWriter.FormatNames]);

            public Option<string?> Output { get; } = new("--output", "-o") { Description = "Write the report to FILE instead of stdout", HelpName = "FILE" };

            public Option<int> MaxFrames { get; } = Range(new Option<int>("--max-frames") { Description = "Keep at most N frames per stack (innermost); no fixed ceiling", DefaultValueFactory = _ => 256 }, 1, 65536);

            public Option<bool> RuntimeFrames { get; } = new("--runtime-frames") { Description = "Include runtime frames (helper, transition and other explicit frames)" };

            public Option<string> GroupBy { get; } = new Option<string>("--group-by") { Description = "method: merge addresses within a method; frame: keep exact addresses (with offsets)", DefaultValueFactory = _ => "method" }
                .AcceptOnlyFromAmong("method", "frame");

            public Option<int> Timeout { get; } = Positive(new Option<int>("--timeout") { Description = "Give up a snapshot after MS milliseconds (the target is released)", DefaultValueFactory = _ => 10_000 });

            public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "No progress on stderr" };

            public void AddTo(Command command)
            {
                foreach (Option option in new Option[] { Samples, Interval, Top, MinCount, Format, Output, MaxFrames, RuntimeFrames, GroupBy, Timeout, Quiet })
                {
                    command.Add(option);
                }
            }

            public StacksSettings Read(ParseResult parse)
            {
                StackReportWriter.TryParseFormat(parse.GetValue(Format), out ReportFormat format);
                bool topGiven = parse.GetResult(Top) is { Implicit: false };
                return new StacksSettings
                {
                    Samples = parse.GetValue(Samples),
                    IntervalMs = parse.GetValue(Interval),
                    // Flame graphs are wrong when stacks are cut: all stacks unless --top is given.
                    Top = topGiven || format is ReportFormat.Text or ReportFormat.Tree or ReportFormat.Json ? parse.GetValue(Top) : 0,
                    MinCount = parse.GetValue(MinCount),
                    Format = format,
                    OutputPath = parse.GetValue(Output),
                    MaxFrames = parse.GetValue(MaxFrames),
                    RuntimeFrames = parse.GetValue(RuntimeFrames),
                    GroupBy = parse.GetValue(GroupBy) == "frame" ? Sampling.GroupBy.Frame : Sampling.GroupBy.Method,
                    TimeoutMs = parse.GetValue(Timeout),
                    Quiet = parse.GetValue(Quiet),
                };
            }
        }

        private static Command BuildStacks()
        {
            var pid = new Option<int?>("--pid", "-p") { Description = "Process id of the target" };
            var name = new Option<string?>("--name") { Description = "Name of the target (see 'stackdepot ps'); must match one process" };
            var dump = new Option<string?>("--dump", "-d") { Description = "Read the stacks from a dump file instead of a live process", HelpName = "FILE" };
            var options = new SamplingOptions();
            var command = new Command("stacks", "Sample the thread stacks of a process (or read a dump) and print each distinct stack once, with counts.")
            {
                pid,
                name,
                dump,
            };
            options.AddTo(command);
            command.Validators.Add(result =>
            {
                int given = (result.GetResult(pid) is null ? 0 : 1) + (result.GetResult(name) is null ? 0 : 1) + (result.GetResult(dump) is null ? 0 : 1);
                if (given != 1)
                {
                    result.AddError(given == 0 ? "give a target: --pid N, --name NAME or --dump FILE" : "give only one target: --pid, --name or --dump");
                }
            });
            command.SetAction(async (parse, cancellation) =>
            {
                StacksSettings settings = options.Read(parse) with
                {
                    Pid = parse.GetValue(pid),
                    Name = parse.GetValue(name),
                    DumpPath = parse.GetValue(dump),
                };
                return (int)await StacksRunner.RunAsync(settings, cancellation).ConfigureAwait(false);
            });
            return command;
        }

        private static Command BuildDump()
        {
            var pid = new Option<int?>("--pid", "-p") { Description = "Process id of the target" };
            var name = new Option<string?>("--name") { Description = "Name of the target (see 'stackdepot ps')" };
            var output = new Option<string>("--output", "-o") { Description = "Dump file to write", Required = true, HelpName = "FILE" };
            var type = new Option<string>("--type") { Description = "mini (threads, stacks, modules: enough for 'stacks --dump'), heap (plus the GC heap), full (all memory), triage", DefaultValueFactory = _ => "mini" }
                .AcceptOnlyFromAmong(DumpCommand.Types);
            var command = new Command("dump", "Have the target's runtime write a dump file, to read later with 'stacks --dump'.") { pid, name, output, type };
            command.Validators.Add(result =>
            {
                if ((result.GetResult(pid) is null) == (result.GetResult(name) is null))
                {
                    result.AddError("give one target: --pid N or --name NAME");
                }
            });
            command.SetAction(parse => (int)DumpCommand.Run(parse.GetValue(pid), parse.GetValue(name), parse.GetValue(output)!, parse.GetValue(type)!));
            return command;
        }

        private static Command BuildDemo()
        {
            var options = new SamplingOptions();
            options.Samples.DefaultValueFactory = _ => 5;
            var command = new Command("demo", "Start the bundled demo workload, sample it, print the report and stop it. No arguments needed.");
            options.AddTo(command);
            command.SetAction(async (parse, cancellation) =>
                (int)await DemoCommand.RunAsync(options.Read(parse), cancellation).ConfigureAwait(false));
            return command;
        }

        private static Command BuildMeasure()
        {
            var pid = new Option<int?>("--pid", "-p") { Description = "Measure this process instead of a demo workload with --workers threads" };
            var workers = Positive(new Option<int>("--workers") { Description = "Order workers in the demo workload (about 8 more threads run beside them)", DefaultValueFactory = _ => 192 });
            var samples = Positive(new Option<int>("--samples", "-n") { Description = "Measured samples of each kind", DefaultValueFactory = _ => 20 });
            var command = new Command("measure", "Time the sampling pipeline against a plain ClrMD walk (see docs/benchmarks-cli.md).") { pid, workers, samples };
            command.Hidden = true;
            command.SetAction(async (parse, cancellation) =>
                (int)await MeasureCommand.RunAsync(parse.GetValue(pid), parse.GetValue(workers), parse.GetValue(samples), cancellation).ConfigureAwait(false));
            return command;
        }

        private static T Positive<T>(T option)
            where T : Option<int> => Range(option, 1, int.MaxValue);

        private static T NonNegative<T>(T option)
            where T : Option<int> => Range(option, 0, int.MaxValue);

        private static T Range<T>(T option, int min, int max)
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
}
