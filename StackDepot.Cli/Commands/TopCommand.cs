using System.CommandLine;
using System.Diagnostics;
using Serilog;
using Spectre.Console;
using StackDepot.Cli.Options;
using StackDepot.Cli.Output;
using StackDepot.Cli.Sampling;
using StackDepot.Cli.Top;
using StackDepot.Reporting;

namespace StackDepot.Cli.Commands;

/// <summary>
/// <c>stackdepot top</c>: samples a process until stopped (or for <c>--duration</c>) and shows, refreshed every
/// second, its methods by own and total samples and its largest stacks, with how long the target was stopped: a live
/// view on a terminal (<c>q</c> or Ctrl-C quits; the target keeps running), plain text blocks when stdout is not one.
/// </summary>
internal static class TopCommand
{
    /// <summary>The command: target, sampling options (100 per second until stopped by default), the view's options.</summary>
    public static Command Create(CliContext context)
    {
        var target = new TargetOptions(allowDump: false);
        var sampling = new SamplingOptions(defaultSamples: null, defaultRate: 100);
        Option<TimeSpan> refresh = CommonOptions.Time("--refresh", "Time between two refreshes of the view: 1s, 500ms; a bare number is seconds (100ms to 60s; default 1s)", "s",
            TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(60));
        var rows = CommonOptions.Range(new Option<int>("--rows")
        {
            Description = "Methods and stacks shown",
            DefaultValueFactory = _ => 15,
            HelpName = "N",
        }, 1, 1000);
        var command = new Command("top", "Show the methods and stacks of a process live (like py-spy top), refreshed every second; " +
                                         "plain text blocks when stdout is not a terminal. q or Ctrl-C quits; the target keeps running.");
        target.AddTo(command);
        sampling.AddTo(command);
        command.Add(refresh);
        command.Add(rows);
        command.SetAction(async (parse, cancellation) => (int)await RunAsync(
            target.Read(parse), sampling.Read(parse), CommonOptions.TimeOrDefault(parse, refresh, TimeSpan.FromSeconds(1)), parse.GetValue(rows), context, cancellation).ConfigureAwait(false));
        return command;
    }

    /// <summary>Samples and shows the view until the run ends, <c>q</c> is pressed or the command is interrupted.</summary>
    public static async Task<ExitCode> RunAsync(
        TargetSelection selection, SamplingSettings sampling, TimeSpan refresh, int rows, CliContext context, CancellationToken cancellation)
    {
        using SampledTarget sampled = SampledTarget.Open(StacksTarget.Resolve(selection), sampling, context.Log);
        string title = $"stackdepot top: {sampled.ProcessName} (pid {sampled.Pid})";
        using var depot = new Depot(new DepotOptions { MaxFrames = SampledTarget.DepotFrames(sampling), Name = "stackdepot-top" });
        StackReportBuilder builder = sampled.CreateBuilder(depot, ReportValueType.Samples);
        bool live = !context.Console.IsOutputRedirected;
        var notes = new MessageListSink(capacity: 5);
        using Serilog.Core.Logger liveLog = new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Sink(notes).CreateLogger();
        ILogger log = live ? liveLog : context.Log;
        using var quit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        bool quitByKey = false;
        long lastView = 0;

        // Called after each sample, on the sampling loop: builds a view when a refresh is due.
        TopView? Due(SampleProgressInfo info)
        {
            if (lastView != 0 && Stopwatch.GetElapsedTime(lastView) < refresh)
            {
                return null;
            }

            lastView = Stopwatch.GetTimestamp();
            return TopView.From(builder, info.Stats, rows, live ? notes.Messages : []);
        }

        SampleRunStats stats;
        if (!live)
        {
            stats = await StackSampler.RunAsync(sampled.Source, sampled.Plan, builder, sampled.Shaper, info =>
            {
                if (Due(info) is { } view)
                {
                    TopPlainRenderer.Write(title, view, context.Console.Out);
                }
            }, log, quit.Token).ConfigureAwait(false);
            if (stats.Taken > 0)
            {
                TopPlainRenderer.Write(title, TopView.From(builder, stats, rows, []), context.Console.Out);
            }
        }
        else
        {
            IAnsiConsole terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Console.Out) });
            SampleRunStats? result = null;
            await terminal.Live(TopLiveRenderer.Render(title, null)).AutoClear(false).StartAsync(async display =>
            {
                Task keys = Task.Run(async () =>
                {
                    while (!quit.IsCancellationRequested)
                    {
                        if (context.Console.TryReadKey() is { Key: ConsoleKey.Q })
                        {
                            quitByKey = true;
                            await quit.CancelAsync().ConfigureAwait(false);
                            return;
                        }

                        await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
                    }
                }, CancellationToken.None);
                result = await StackSampler.RunAsync(sampled.Source, sampled.Plan, builder, sampled.Shaper, info =>
                {
                    if (Due(info) is { } view)
                    {
                        display.UpdateTarget(TopLiveRenderer.Render(title, view));
                        display.Refresh();
                    }
                }, log, quit.Token).ConfigureAwait(false);
                await quit.CancelAsync().ConfigureAwait(false); // ends the key loop
                await keys.ConfigureAwait(false);
                if (result.Taken > 0)
                {
                    display.UpdateTarget(TopLiveRenderer.Render(title, TopView.From(builder, result, rows, notes.Messages)));
                    display.Refresh();
                }
            }).ConfigureAwait(false);
            stats = result!;
        }

        if (stats.Taken == 0 && !stats.Interrupted)
        {
            throw new CliException(ExitCode.Timeout,
                $"every sample took longer than --timeout {sampling.TimeoutMs} ms; the target was released each time");
        }

        if (stats.TargetExited)
        {
            context.Console.Error.WriteLine($"stackdepot: {sampled.Source.Target} exited after {stats.Taken} samples");
        }

        if (stats.Interrupted && !quitByKey)
        {
            context.Console.Error.WriteLine($"stackdepot: interrupted by {context.InterruptName} after {stats.Taken} samples; the target was released");
            return context.InterruptCode();
        }

        return ExitCode.Success;
    }
}
