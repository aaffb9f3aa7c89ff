using System.Globalization;
using Spectre.Console;

namespace StackDepot.Cli.Output;

/// <summary>Progress of a sampling run on stderr: a live bar on a terminal, plain lines otherwise, nothing when quiet.</summary>
internal static class SampleProgress
{
    /// <summary>Runs <paramref name="work"/>, giving it a callback to report each finished sample with a status text.</summary>
    public static async Task<T> RunAsync<T>(ICliConsole console, int total, bool quiet, Func<Action<int, string>, Task<T>> work)
    {
        if (quiet)
        {
            return await work(static (_, _) => { }).ConfigureAwait(false);
        }

        if (console.IsErrorRedirected || total <= 1)
        {
            return await work((done, status) =>
                console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stackdepot: sample {done}/{total}: {status}"))).ConfigureAwait(false);
        }

        IAnsiConsole terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Error) });
        T result = default!;
        await terminal.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask("sampling", maxValue: total);
                result = await work((done, status) =>
                {
                    task.Value = done;
                    task.Description = Markup.Escape(status);
                }).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return result;
    }
}
