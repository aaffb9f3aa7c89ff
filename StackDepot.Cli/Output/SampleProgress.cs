using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using StackDepot.Cli.Options;
using StackDepot.Cli.Sampling;

namespace StackDepot.Cli.Output;

/// <summary>Progress of a sampling run on stderr: a live bar on a terminal, plain lines otherwise (the first sample,
/// then at most one a second, and the last of a counted run), nothing when quiet.</summary>
internal static class SampleProgress
{
    /// <summary>Plain progress lines are at least this far apart (except the first and the last).</summary>
    internal static readonly TimeSpan PlainLineInterval = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="work"/>, giving it a callback to report each finished sample.</summary>
    public static async Task<T> RunAsync<T>(ICliConsole console, SamplingPlan plan, bool quiet, Func<Action<SampleProgressInfo>, Task<T>> work)
    {
        if (quiet)
        {
            return await work(static _ => { }).ConfigureAwait(false);
        }

        if (console.IsErrorRedirected || plan.MaxSamples == 1)
        {
            long last = 0;
            return await work(info =>
            {
                bool final = info.Total is { } total && info.Taken >= total;
                if (info.Taken > 1 && !final && last != 0 && Stopwatch.GetElapsedTime(last) < PlainLineInterval)
                {
                    return;
                }

                last = Stopwatch.GetTimestamp();
                console.Error.WriteLine("stackdepot: sample " + Position(info) + ": " + info.Status);
            }).ConfigureAwait(false);
        }

        IAnsiConsole terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Error) });
        T result = default!;
        await terminal.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                double max = plan.Duration?.TotalMilliseconds ?? plan.MaxSamples ?? 0;
                ProgressTask task = context.AddTask("sampling", maxValue: max > 0 ? max : 1);
                task.IsIndeterminate = max <= 0;
                result = await work(info =>
                {
                    task.Value = plan.Duration is not null ? info.Elapsed.TotalMilliseconds : info.Taken;
                    task.Description = Markup.Escape(Position(info) + ": " + info.Status);
                }).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return result;
    }

    /// <summary><c>3/50</c>, or <c>120 (2.4 s of 30.0 s)</c> for a run with a duration, or <c>120 (2.4 s)</c>.</summary>
    private static string Position(SampleProgressInfo info) =>
        info.Total is { } total && info.Duration is null
            ? string.Create(CultureInfo.InvariantCulture, $"{info.Taken}/{total}")
            : string.Create(CultureInfo.InvariantCulture, $"{info.Taken} ({DurationText.Format(info.Elapsed)}") +
              (info.Duration is { } duration ? " of " + DurationText.Format(duration) + ")" : ")");
}
