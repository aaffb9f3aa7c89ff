using System.Reflection;
using System.Reflection.PortableExecutable;
using System.Runtime.CompilerServices;
using StackDepot.Capture;

namespace StackDepot.Tests.Capture;

/// <summary>
/// One PDB reader for both paths: keyed by module path and build id, so that a frame read from another process (a path
/// and an id) resolves exactly as a reflection frame of this process does.
/// </summary>
public class SourceLineResolverTests
{
    [Fact]
    public void A_path_and_the_modules_mvid_resolve_the_same_line_as_reflection()
    {
        (MethodBase method, int ilOffset, int line) = CaptureSite();
        using var resolver = new SourceLineResolver();

        Assert.True(resolver.TryResolve(method, ilOffset, out string? viaReflection, out int reflectionLine, out _));
        Assert.True(resolver.TryResolve(method.Module.Assembly.Location, method.Module.ModuleVersionId, method.MetadataToken, ilOffset,
            out string? viaPath, out int pathLine, out int column));

        Assert.Equal(line, reflectionLine);
        Assert.Equal(line, pathLine);
        Assert.Equal(viaReflection, viaPath);
        Assert.Equal(nameof(SourceLineResolverTests) + ".cs", Path.GetFileName(viaPath));
        Assert.True(column > 0);
    }

    [Fact]
    public void The_codeview_id_a_debugger_reads_from_the_image_identifies_the_build_too()
    {
        (MethodBase method, int ilOffset, int line) = CaptureSite();
        string path = method.Module.Assembly.Location;
        Guid codeView;
        using (var pe = new PEReader(File.OpenRead(path)))
        {
            codeView = pe.ReadCodeViewDebugDirectoryData(pe.ReadDebugDirectory().First(e => e.Type == DebugDirectoryEntryType.CodeView)).Guid;
        }

        using var resolver = new SourceLineResolver();
        Assert.NotEqual(method.Module.ModuleVersionId, codeView);
        Assert.True(resolver.TryResolve(path, codeView, method.MetadataToken, ilOffset, out _, out int resolved, out _));
        Assert.Equal(line, resolved);
    }

    [Fact]
    public void Another_build_id_means_the_file_was_replaced_and_gives_no_line_rather_than_a_wrong_one()
    {
        (MethodBase method, int ilOffset, _) = CaptureSite();
        using var resolver = new SourceLineResolver();

        Assert.False(resolver.TryResolve(method.Module.Assembly.Location, Guid.NewGuid(), method.MetadataToken, ilOffset, out string? file, out int line, out _));
        Assert.Null(file);
        Assert.Equal(0, line);

        // An empty id trusts the file on disk.
        Assert.True(resolver.TryResolve(method.Module.Assembly.Location, Guid.Empty, method.MetadataToken, ilOffset, out _, out _, out _));
    }

    [Fact]
    public void An_assembly_copied_without_its_pdb_finds_it_where_the_build_wrote_it()
    {
        // The CodeView entry names the PDB the compiler wrote (obj/...); a copy of the assembly elsewhere (the CLI ships
        // its demo workload so) still resolves through it, as a debugger does.
        (MethodBase method, int ilOffset, int line) = CaptureSite();
        string directory = Directory.CreateTempSubdirectory("stackdepot-pdb-").FullName;
        try
        {
            string copy = Path.Combine(directory, Path.GetFileName(method.Module.Assembly.Location));
            File.Copy(method.Module.Assembly.Location, copy);
            Assert.False(File.Exists(Path.ChangeExtension(copy, ".pdb")));
            using var resolver = new SourceLineResolver();

            Assert.True(resolver.TryResolve(copy, method.Module.ModuleVersionId, method.MetadataToken, ilOffset, out string? file, out int resolved, out _));
            Assert.Equal(line, resolved);
            Assert.Equal(nameof(SourceLineResolverTests) + ".cs", Path.GetFileName(file));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Missing_unreadable_and_non_assembly_files_give_no_line_and_no_exception()
    {
        string directory = Directory.CreateTempSubdirectory("stackdepot-pdb-").FullName;
        try
        {
            string notPe = Path.Combine(directory, "not-an-assembly.dll");
            File.WriteAllText(notPe, "plain text, not a PE file");
            using var resolver = new SourceLineResolver();

            Assert.False(resolver.TryResolve(Path.Combine(directory, "missing.dll"), Guid.Empty, 0x06000001, 0, out _, out _, out _));
            Assert.False(resolver.TryResolve(notPe, Guid.Empty, 0x06000001, 0, out _, out _, out _));
            Assert.False(resolver.TryResolve("", Guid.Empty, 0x06000001, 0, out _, out _, out _));
            Assert.False(resolver.TryResolve(typeof(SourceLineResolverTests).Assembly.Location, Guid.Empty, 0x02000001, 0, out _, out _, out _)); // a TypeDef token
            Assert.False(resolver.TryResolve(typeof(SourceLineResolverTests).Assembly.Location, Guid.Empty, 0x06000001, -1, out _, out _, out _));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void After_dispose_nothing_resolves()
    {
        (MethodBase method, int ilOffset, _) = CaptureSite();
        var resolver = new SourceLineResolver();
        Assert.True(resolver.TryResolve(method, ilOffset, out _, out _, out _));

        resolver.Dispose();

        Assert.False(resolver.TryResolve(method, ilOffset, out _, out _, out _));
    }

    private static (MethodBase Method, int ILOffset, int Line) CaptureSite()
    {
        ulong[] frames = Here(out int line);
        Assert.True(StackCapture.TryGetFrameInfo(frames[0], out FrameInfo info));
        MethodBase method = MethodBase.GetMethodFromHandle(RuntimeMethodHandle.FromIntPtr(info.MethodHandle))!;
        Assert.True(info.ILOffset >= 0);
        return (method, info.ILOffset, line);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong[] Here(out int line)
    {
        ulong[] frames = StackCapture.Capture(); line = Line();
        return frames;
    }

    private static int Line([CallerLineNumber] int line = 0) => line;
}
