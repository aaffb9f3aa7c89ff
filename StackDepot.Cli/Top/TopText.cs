using System.Globalization;
using StackDepot.Cli.Options;

namespace StackDepot.Cli.Top;

/// <summary>The words and numbers of the <c>top</c> view, shared by its plain and live renderings.</summary>
internal static class TopText
{
    /// <summary>Stack frames shown per stack line, innermost first.</summary>
    public const int FramesShown = 4;

    /// <summary>The header line: where the run stands and how long the target was stopped.</summary>
    public static string Header(string title, TopView view) => string.Create(CultureInfo.InvariantCulture,
        $"{title}: {DurationText.Format(view.Elapsed)}, {view.Snapshots} sample{(view.Snapshots == 1 ? "" : "s")} ({view.Rate:0.#} per second), {view.Threads} threads; " +
        $"target stopped {view.Stopped.Median.TotalMilliseconds:0.0} ms per sample (median), {view.Stopped.Worst.TotalMilliseconds:0.0} ms worst, {Percent(view.Stopped.Fraction)} of the time");

    /// <summary>A share of the samples as a percentage (<c>41.2</c>).</summary>
    public static string Share(long part, long total) =>
        total <= 0 ? "-" : (100.0 * part / total).ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>A fraction as a percentage with its sign (<c>4.1%</c>).</summary>
    public static string Percent(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>A stack on one line, innermost first, frames without their module: <c>A &lt;- B &lt;- C &lt;- ... (9 frames)</c>.</summary>
    public static string StackLine(TopStack stack)
    {
        string line = string.Join(" <- ", stack.Frames.Take(FramesShown).Select(f => f.IndexOf('!', StringComparison.Ordinal) is > 0 and var bang && !f.StartsWith('(') ? f[(bang + 1)..] : f));
        return stack.Frames.Count > FramesShown ? line + $" <- ... ({stack.Frames.Count} frames)" : line;
    }

    /// <summary>Samples and threads of a stack: <c>500 samples, 5 threads</c>.</summary>
    public static string StackCounts(TopStack stack) => string.Create(CultureInfo.InvariantCulture,
        $"{stack.Samples} sample{(stack.Samples == 1 ? "" : "s")}, {stack.Threads} thread{(stack.Threads == 1 ? "" : "s")}");
}
