using System.IO.Compression;
using StackDepot.Cli.Hosting;

namespace StackDepot.Cli.Tests;

/// <summary>The tool package: packs without a warning and carries its readme.</summary>
public sealed class PackageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stackdepot-pack-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_tool_packs_without_warnings_and_with_its_readme()
    {
        string project = Path.Combine(TestPaths.RepoRoot, "StackDepot.Cli", "StackDepot.Cli.csproj");
        (int code, string output) = Shell.Run(DotnetHost.Find(), "pack", project, "-c", TestPaths.Configuration, "--no-build", "-warnaserror", "-o", _dir, "-v", "n");
        Assert.True(code == 0, output);
        Assert.DoesNotContain("missing a readme", output, StringComparison.Ordinal);

        string package = Assert.Single(Directory.GetFiles(_dir, "StackDepot.Cli.*.nupkg"));
        using ZipArchive zip = ZipFile.OpenRead(package);
        ZipArchiveEntry readme = Assert.Single(zip.Entries, e => e.FullName == "README.md");
        using var reader = new StreamReader(readme.Open());
        string text = reader.ReadToEnd();
        Assert.Contains("dotnet tool install -g StackDepot.Cli", text, StringComparison.Ordinal);
        Assert.Contains("~/.dotnet/tools", text, StringComparison.Ordinal);
        using var nuspec = new StreamReader(Assert.Single(zip.Entries, e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        Assert.Contains("<readme>README.md</readme>", nuspec.ReadToEnd(), StringComparison.Ordinal);
    }
}
