using StackDepot.Reporting;

namespace StackDepot.Cli.Tests.InProcess;

/// <summary>Runs <c>stackdepot</c> inside the test process, on a <see cref="TestConsole"/>.</summary>
internal static class InProcessCli
{
    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(new TestConsole(), null, args);

    public static async Task<CliResult> RunAsync(TestConsole console, ReportFormatRegistry? formats, params string[] args)
    {
        int code = await Program.RunAsync(args, console, CancellationToken.None, formats);
        return new CliResult(code, console.StdOut, console.StdErr);
    }
}
