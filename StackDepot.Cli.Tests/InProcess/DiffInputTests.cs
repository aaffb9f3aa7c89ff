using System.Text.Json;

namespace StackDepot.Cli.Tests.InProcess;

/// <summary><c>diff</c> on hand-made captures: kinds that do not match, files that are not captures, normalization.</summary>
public sealed class DiffInputTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("stackdepot-diff-input-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Write(string name, string content)
    {
        string path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>A stackdepot.report/1 document with one value type and stacks of one frame each.</summary>
    private string Capture(string name, string valueType, string unit, params (string Frame, long Value)[] stacks) =>
        Write(name, JsonSerializer.Serialize(new
        {
            schema = "stackdepot.report/1",
            title = name,
            properties = new Dictionary<string, string>(),
            valueTypes = new[] { new { name = valueType, unit } },
            totals = new[] { stacks.Sum(s => s.Value) },
            omittedStacks = 0,
            stacks = stacks.Select(s => new { handle = 1, values = new[] { s.Value }, threadIds = Array.Empty<int>(), frames = new[] { new { name = s.Frame, module = "App" } } }),
        }));

    [Fact]
    public async Task A_thread_capture_against_an_allocation_capture_is_one_plain_error_line_and_exit_12()
    {
        string threads = Capture("threads.json", "threads", "count", ("A.Run()", 3));
        string allocations = Capture("allocs.json", "alloc_space", "bytes", ("A.Run()", 4096));
        CliResult result = await InProcessCli.RunAsync("diff", threads, allocations);
        Assert.Equal(12, result.ExitCode);
        Reports.AssertOnePlainErrorLine(result);
        Assert.Contains("BASE has threads, NEW has alloc_space (bytes)", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_snapshot_compares_with_several_threads_with_samples()
    {
        string one = Capture("one.json", "threads", "count", ("A.Run()", 3));
        string several = Capture("several.json", "samples", "count", ("A.Run()", 15), ("B.Wait()", 5));
        CliResult result = await InProcessCli.RunAsync("diff", one, several, "--normalize");
        Assert.True(result.ExitCode == 0, result.ToString());

        // Normalized: BASE 3 of 3 becomes 20 of 20; A.Run() 20 -> 15 shrank, B.Wait() appeared (equal changes: the
        // larger NEW value first).
        string[] blocks = result.StdOut.Split("\n\n");
        Assert.Contains("1 shrank, 1 appeared", blocks[0], StringComparison.Ordinal);
        Assert.StartsWith("-5 (-25.0%): 20 -> 15, shrank\n    App!A.Run()", blocks[1], StringComparison.Ordinal);
        Assert.StartsWith("+5 (new): 0 -> 5, appeared\n    App!B.Wait()", blocks[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Folded_writes_base_and_new_columns_for_every_stack_of_either()
    {
        string before = Capture("before.json", "threads", "count", ("A.Run()", 3), ("Gone.Now()", 1));
        string after = Capture("after.json", "threads", "count", ("A.Run()", 5), ("B;Odd()", 2));
        CliResult result = await InProcessCli.RunAsync("diff", before, after, "--format", "folded");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["App!A.Run() 3 5", "App!B:Odd() 0 2", "App!Gone.Now() 1 0"], result.StdOut.TrimEnd('\n').Split('\n').Order());
    }

    public static TheoryData<string, byte[]> NotCaptures() => new()
    {
        { "empty", ""u8.ToArray() },
        { "plain text", "hello\n"u8.ToArray() },
        { "other JSON", "{\"schema\": \"something/2\"}"u8.ToArray() },
        { "broken JSON", "{\"schema\": \"stackdepot.report/1\", "u8.ToArray() },
        { "JSON without stacks", "{\"schema\": \"stackdepot.report/1\", \"title\": \"t\", \"valueTypes\": [{\"name\": \"threads\", \"unit\": \"count\"}]}"u8.ToArray() },
        { "gzip header only", [0x1f, 0x8b] },
        { "gzip of nonsense", [0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef] },
        { "a null frame name", "{\"schema\": \"stackdepot.report/1\", \"title\": \"t\", \"valueTypes\": [{\"name\": \"threads\", \"unit\": \"count\"}], \"stacks\": [{\"values\": [1], \"frames\": [{\"name\": null}]}]}"u8.ToArray() },
        { "a value that is not a number", "{\"schema\": \"stackdepot.report/1\", \"title\": \"t\", \"valueTypes\": [{\"name\": \"threads\", \"unit\": \"count\"}], \"stacks\": [{\"values\": [\"x\"], \"frames\": []}]}"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(NotCaptures))]
    public async Task A_file_that_is_not_a_capture_is_one_plain_error_line_and_exit_11(string what, byte[] content)
    {
        string good = Capture("good.json", "threads", "count", ("A.Run()", 3));
        string bad = Path.Combine(_dir.FullName, "bad.file");
        File.WriteAllBytes(bad, content);
        CliResult result = await InProcessCli.RunAsync("diff", bad, good);
        Assert.True(result.ExitCode == 11, what + ": " + result);
        Reports.AssertOnePlainErrorLine(result);
        Assert.Contains("BASE file " + bad + " is ", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_exit_11_and_a_bad_format_exit_2()
    {
        string good = Capture("good.json", "threads", "count", ("A.Run()", 3));
        CliResult missing = await InProcessCli.RunAsync("diff", good, Path.Combine(_dir.FullName, "nope.json"));
        Assert.Equal(11, missing.ExitCode);
        Assert.Contains("NEW file", missing.StdErr, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing.StdErr, StringComparison.Ordinal);

        CliResult directory = await InProcessCli.RunAsync("diff", _dir.FullName, good);
        Assert.Equal(11, directory.ExitCode);
        Assert.Contains("is a directory", directory.StdErr, StringComparison.Ordinal);

        CliResult format = await InProcessCli.RunAsync("diff", good, good, "--format", "speedscope");
        Assert.Equal(2, format.ExitCode);
        Reports.AssertOnePlainErrorLine(format);
    }
}
