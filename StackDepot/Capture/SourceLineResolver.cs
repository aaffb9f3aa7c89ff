using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Runtime.CompilerServices;

namespace StackDepot.Capture;

/// <summary>
/// Maps (method, IL offset) to a source file and line through the module's portable PDB: embedded in the
/// assembly, at the path its CodeView entry names, or next to the assembly. The PDB must match the assembly's
/// debug id (<see cref="PEReader.TryOpenAssociatedPortablePdb"/> checks it). Readers are opened once per module and
/// held weakly by module, so collectible modules can still unload.
/// </summary>
internal sealed class SourceLineResolver : IDisposable
{
    private readonly ConditionalWeakTable<Module, ModuleSymbols> _modules = new();
    private readonly List<ModuleSymbols> _opened = [];
    private bool _disposed;

    /// <summary>Finds the source position of <paramref name="ilOffset"/> in <paramref name="method"/>.</summary>
    public bool TryResolve(MethodBase method, int ilOffset, out string? file, out int line, out int column)
    {
        file = null;
        line = 0;
        column = 0;
        if (ilOffset < 0)
        {
            return false;
        }

        ModuleSymbols symbols;
        lock (_opened)
        {
            if (_disposed)
            {
                return false;
            }

            if (!_modules.TryGetValue(method.Module, out symbols!))
            {
                symbols = ModuleSymbols.Open(method.Module);
                _modules.Add(method.Module, symbols);
                _opened.Add(symbols);
            }
        }

        return symbols.TryResolve(method.MetadataToken, ilOffset, out file, out line, out column);
    }

    /// <summary>Closes every PDB reader.</summary>
    public void Dispose()
    {
        lock (_opened)
        {
            _disposed = true;
            foreach (ModuleSymbols symbols in _opened)
            {
                symbols.Dispose();
            }

            _opened.Clear();
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

        public static ModuleSymbols Open(Module module)
        {
            try
            {
                string location = module.Assembly.Location;
                if (string.IsNullOrEmpty(location) || !File.Exists(location))
                {
                    return new ModuleSymbols(null); // in-memory, dynamic or single-file: no PDB to find
                }

                using var stream = new FileStream(location, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var pe = new PEReader(stream);
                if (pe.TryOpenAssociatedPortablePdb(location, OpenIfExists, out MetadataReaderProvider? provider, out _))
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

        private static Stream? OpenIfExists(string path) =>
            File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete) : null;
    }
}
