using System.Diagnostics;

namespace StackDepot.Cli.Tests;

/// <summary>A CLI run started in the background, once it has taken its first sample (its first progress line).</summary>
internal sealed class SamplingRun
{
    private SamplingRun(Process cli, Task<CliResult> result)
    {
        Cli = cli;
        Result = result;
    }

    /// <summary>The CLI process.</summary>
    public Process Cli { get; }

    /// <summary>The run's end.</summary>
    public Task<CliResult> Result { get; }

    /// <summary>Starts <c>stackdepot ARGS</c> and returns once it printed its first <c>stackdepot: sample</c> line.</summary>
    public static async Task<SamplingRun> StartAsync(params string[] args)
    {
        var sampled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Process? cli = null;
        Task<CliResult> run = Tests.Cli.RunAsync(args, Tests.Cli.WithDefaultSigint, started: p =>
        {
            cli = p;
            p.ErrorDataReceived += (_, e) =>
            {
                if (e.Data?.StartsWith("stackdepot: sample ", StringComparison.Ordinal) == true)
                {
                    sampled.TrySetResult();
                }
            };
        });
        await Task.WhenAny(sampled.Task, run).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(sampled.Task.IsCompleted, run.IsCompleted ? (await run).ToString() : "no sample");
        return new SamplingRun(cli!, run);
    }

    /// <summary>Sends <paramref name="signal"/> to the CLI and waits for its end.</summary>
    public async Task<CliResult> SignalAsync(int signal)
    {
        Assert.Equal(0, Signals.Kill(Cli.Id, signal));
        return await Result;
    }
}
