using System.CommandLine;
using System.Globalization;
using StackDepot.Cli.Options;
using StackDepot.Reporting;

namespace StackDepot.Cli.Tests.InProcess;

/// <summary>The CLI's format names, help and rules come from the formatter registry: a format added with one line
/// is accepted, described, and treated by its own declarations.</summary>
public sealed class FormatOptionTests
{
    private static string OwnPid => Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    private static ReportFormatRegistry WithExtraFormats() =>
        Program.CreateFormats().Add(new FakeFormatter("flat", keepsAll: false, binary: false)).Add(new FakeFormatter("proto", keepsAll: true, binary: true));

    [Fact]
    public async Task Help_lists_every_registered_format_with_its_description()
    {
        ReportFormatRegistry formats = WithExtraFormats();
        CliResult result = await InProcessCli.RunAsync(new TestConsole(), formats, "stacks", "--help");
        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (IReportFormatter formatter in formats)
        {
            Assert.Contains($"{formatter.Name}: {formatter.Description}", result.StdOut, StringComparison.Ordinal);
        }

        Assert.Contains("proto: the proto format (binary)", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("all for folded, speedscope, pprof, proto", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_offers_pprof_from_its_own_assembly_as_a_binary_format_that_keeps_all_stacks()
    {
        IReportFormatter pprof = Program.CreateFormats().Get("pprof");
        Assert.IsType<StackDepot.Pprof.PprofReportFormatter>(pprof);
        Assert.True(pprof.IsBinary && pprof.KeepsAllStacks);
        foreach (string command in new[] { "stacks", "demo" })
        {
            CliResult help = await InProcessCli.RunAsync(command, "--help");
            Assert.Contains($"pprof: {pprof.Description} (binary)", help.StdOut, StringComparison.Ordinal);
        }

        // Binary data is refused on a terminal before the target is touched.
        CliResult terminal = await InProcessCli.RunAsync(new TestConsole(outputRedirected: false), null, "stacks", "--pid", "999999", "--format", "pprof");
        Assert.Equal(2, terminal.ExitCode);
        Assert.Contains("binary", terminal.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_registered_format_is_accepted_and_an_unregistered_one_is_not()
    {
        // Accepted: the run gets past parsing to the target check (stackdepot's own pid is refused there).
        CliResult accepted = await InProcessCli.RunAsync(new TestConsole(), WithExtraFormats(), "stacks", "--pid", OwnPid, "--format", "flat");
        Assert.True(accepted.ExitCode == 2, accepted.ToString());
        Assert.Contains("stackdepot itself", accepted.StdErr, StringComparison.Ordinal);

        CliResult refused = await InProcessCli.RunAsync("stacks", "--pid", OwnPid, "--format", "flat");
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("'flat'", refused.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("stackdepot itself", refused.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text", null, 20)]
    [InlineData("tree", null, 20)]
    [InlineData("json", null, 20)]
    [InlineData("flat", null, 20)]
    [InlineData("folded", null, 0)]
    [InlineData("speedscope", null, 0)]
    [InlineData("proto", null, 0)]
    [InlineData("folded", "5", 5)]
    [InlineData("proto", "0", 0)]
    [InlineData("text", "3", 3)]
    public void Formats_that_keep_all_stacks_are_not_cut_unless_top_is_given(string format, string? top, int expected)
    {
        var options = new ReportOptions(WithExtraFormats());
        var command = new Command("t");
        options.AddTo(command);
        List<string> args = ["--format", format];
        if (top is not null)
        {
            args.AddRange(["--top", top]);
        }

        ParseResult parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        ReportSettings settings = options.Read(parse);
        Assert.Equal(format, settings.Formatter.Name);
        Assert.Equal(expected, settings.Top);
    }

    [Fact]
    public async Task A_binary_format_is_refused_on_a_terminal_and_taken_with_a_file_or_a_pipe()
    {
        CliResult terminal = await InProcessCli.RunAsync(new TestConsole(outputRedirected: false), WithExtraFormats(), "stacks", "--pid", OwnPid, "--format", "proto");
        Assert.True(terminal.ExitCode == 2, terminal.ToString());
        Reports.AssertOnePlainErrorLine(terminal);
        Assert.Contains("binary", terminal.StdErr, StringComparison.Ordinal);
        Assert.Contains("-o FILE", terminal.StdErr, StringComparison.Ordinal);

        // Piped, or to a file: past the output check to the target check.
        CliResult piped = await InProcessCli.RunAsync(new TestConsole(outputRedirected: true), WithExtraFormats(), "stacks", "--pid", OwnPid, "--format", "proto");
        Assert.Contains("stackdepot itself", piped.StdErr, StringComparison.Ordinal);
        string file = Path.Combine(Path.GetTempPath(), $"stackdepot-test-{Guid.NewGuid():N}.pb");
        CliResult toFile = await InProcessCli.RunAsync(new TestConsole(outputRedirected: false), WithExtraFormats(), "stacks", "--pid", OwnPid, "--format", "proto", "-o", file);
        Assert.Contains("stackdepot itself", toFile.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
    }

    private sealed class FakeFormatter(string name, bool keepsAll, bool binary) : IReportFormatter
    {
        public string Name => name;

        public string Description => $"the {name} format";

        public bool KeepsAllStacks => keepsAll;

        public bool IsBinary => binary;

        public void Write(StackReport report, Stream output) => output.WriteByte((byte)report.Entries.Count);
    }
}
