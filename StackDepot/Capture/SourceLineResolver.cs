using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace StackDepot.Capture;

/// <summary>
/// Maps (module, method token, IL offset) to a source file and line through the module's portable PDB: embedded in
/// the assembly, next to it, or at the path its CodeView entry names (where the build wrote it). One reader per module, keyed by the
/// module's file path and build id, so that the in-process symbolizer (reflection modules) and out-of-process tools
/// (a module path and id read from another process) share this code. The file on disk must be the build that was
/// loaded: its MVID or its CodeView PDB id must equal the given build id, and the PDB must match the assembly
/// (<see cref="PEReader.TryOpenAssociatedPortablePdb"/> checks its id). Thread-safe.
/// </summary>
internal sealed class SourceLineResolver : IDisposable
{
    private readonly Dictionary<(string Path, Guid BuildId), ModuleSymbols> _modules = [];
    private bool _disposed;

    /// <summary>Finds the source position of <paramref name="ilOffset"/> in <paramref name="method"/>.</summary>
    public bool TryResolve(MethodBase method, int ilOffset, out string? file, out int line, out int column)
    {
        file = null;
        line = 0;
        column = 0;
        Module module = method.Module;
        string path = module.Assembly.IsDynamic ? "" : module.Assembly.Location;
        return path.Length > 0 // in-memory, dynamic or single-file: no PDB to find
            && TryResolve(path, module.ModuleVersionId, method.MetadataToken, ilOffset, out file, out line, out column);
    }

    /// <summary>Finds the source position of <paramref name="ilOffset"/> in a method of the assembly at
    /// <paramref name="assemblyPath"/>.</summary>
    /// <param name="assemblyPath">The assembly file (as this process can open it).</param>
    /// <param name="buildId">The MVID of the loaded module, or the id of its CodeView debug directory entry;
    /// <see cref="Guid.Empty"/> to trust the file on disk without checking.</param>
    /// <param name="methodToken">The method's MethodDef metadata token (<c>0x06......</c>).</param>
    /// <param name="ilOffset">The IL offset in the method.</param>
    /// <param name="file">The source file, as recorded in the PDB.</param>
    /// <param name="line">The 1-based line.</param>
    /// <param name="column">The 1-based column.</param>
    /// <returns>True when a sequence point at or before <paramref name="ilOffset"/> was found.</returns>
    public bool TryResolve(string assemblyPath, Guid buildId, int methodToken, int ilOffset, out string? file, out int line, out int column)
    {
        file = null;
        line = 0;
        column = 0;
        if (ilOffset < 0 || string.IsNullOrEmpty(assemblyPath))
        {
            return false;
        }

        ModuleSymbols? symbols;
        lock (_modules)
        {
            if (_disposed)
            {
                return false;
            }

            if (!_modules.TryGetValue((assemblyPath, buildId), out symbols))
            {
                symbols = ModuleSymbols.Open(assemblyPath, buildId);
                _modules.Add((assemblyPath, buildId), symbols);
            }
        }

        return symbols.TryResolve(methodToken, ilOffset, out file, out line, out column);
    }

    /// <summary>Closes every PDB reader; later calls find no lines.</summary>
    public void Dispose()
    {
        lock (_modules)
        {
            _disposed = true;
            foreach (ModuleSymbols symbols in _modules.Values)
            {
                symbols.Dispose();
            }

            _modules.Clear();
        }
    }

    private sealed class ModuleSymbols : IDisposable
    {
        private readonly MetadataReaderProvider? _provider;
        private readonly MetadataReader? _reader;

        private ModuleSymbols(MetadataReaderProvider? provider)
        {
            _provider = provider;
            _reader = provider?.GetMetadataReader();
        }

        public static ModuleSymbols Open(string path, Guid buildId)
        {
            try
            {
                // Another build than the one loaded (the file was replaced) opens as null: no lines rather than wrong ones.
                using PEReader? pe = AssemblyFile.TryOpen(path, buildId);
                if (pe is not null && (pe.TryOpenAssociatedPortablePdb(path, OpenIfExists, out MetadataReaderProvider? provider, out _)
                                       || (provider = OpenAtCodeViewPath(pe)) is not null))
                {
                    return new ModuleSymbols(provider);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException
                                          or InvalidOperationException or NotSupportedException)
            {
                // A missing, locked, Windows-format or corrupt PDB only means "no line numbers".
            }

            return new ModuleSymbols(null);
        }

        public bool TryResolve(int methodToken, int ilOffset, out string? file, out int line, out int column)
        {
            file = null;
            line = 0;
            column = 0;
            if (_reader is null || (methodToken >> 24) != 0x06)
            {
                return false; // not a MethodDef token
            }

            try
            {
                MethodDefinitionHandle handle = MetadataTokens.MethodDefinitionHandle(methodToken & 0xFFFFFF);
                MethodDebugInformation info = _reader.GetMethodDebugInformation(handle);
                SequencePoint? best = null;
                foreach (SequencePoint point in info.GetSequencePoints())
                {
                    if (point.Offset > ilOffset)
                    {
                        break; // sequence points are sorted by IL offset
                    }

                    if (!point.IsHidden)
                    {
                        best = point;
                    }
                }

                if (best is not SequencePoint found)
                {
                    return false;
                }

                file = _reader.GetString(_reader.GetDocument(found.Document).Name);
                line = found.StartLine;
                column = found.StartColumn;
                return true;
            }
            catch (BadImageFormatException)
            {
                return false;
            }
        }

        public void Dispose() => _provider?.Dispose();

        // The library looks for the PDB embedded or next to the assembly only; a debugger also tries the path the
        // build wrote into the CodeView entry (obj/... on the machine that built it: an assembly copied elsewhere).
        // That PDB must be this build's: its id is the CodeView id and stamp.
        private static MetadataReaderProvider? OpenAtCodeViewPath(PEReader pe)
        {
            foreach (DebugDirectoryEntry entry in pe.ReadDebugDirectory())
            {
                if (entry.Type != DebugDirectoryEntryType.CodeView || !entry.IsPortableCodeView)
                {
                    continue;
                }

                CodeViewDebugDirectoryData codeView = pe.ReadCodeViewDebugDirectoryData(entry);
                if (!Path.IsPathRooted(codeView.Path) || OpenIfExists(codeView.Path) is not Stream stream)
                {
                    continue;
                }

                MetadataReaderProvider provider = MetadataReaderProvider.FromPortablePdbStream(stream);
                if (provider.GetMetadataReader().DebugMetadataHeader is { } header
                    && new BlobContentId(header.Id) is var id && id.Guid == codeView.Guid && id.Stamp == entry.Stamp)
                {
                    return provider;
                }

                provider.Dispose();
            }

            return null;
        }

        private static Stream? OpenIfExists(string path) =>
            File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete) : null;
    }
}
