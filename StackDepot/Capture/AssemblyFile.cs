using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace StackDepot.Capture;

/// <summary>
/// Opens the assembly file of a loaded module, checking that it is the build that was loaded: the module's MVID, or
/// the id of its CodeView debug entry (what a debugger reads from the image in memory), must match the file's.
/// </summary>
internal static class AssemblyFile
{
    /// <summary>Opens <paramref name="path"/>; null when it is missing, unreadable, not an assembly, or another build.</summary>
    /// <param name="path">The assembly file.</param>
    /// <param name="buildId">The loaded module's MVID or CodeView id; <see cref="Guid.Empty"/> trusts the file.</param>
    /// <returns>A reader over the open file (the whole image stays readable), which the caller disposes; or null.</returns>
    public static PEReader? TryOpen(string path, Guid buildId)
    {
        PEReader? pe = null;
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            pe = new PEReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            if (pe.HasMetadata && (buildId == Guid.Empty || IsBuild(pe, buildId)))
            {
                return pe;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException or InvalidOperationException)
        {
            // Missing, locked or not a PE file: no assembly to read.
        }

        pe?.Dispose();
        return null;
    }

    private static bool IsBuild(PEReader pe, Guid buildId)
    {
        MetadataReader metadata = pe.GetMetadataReader();
        if (metadata.GetGuid(metadata.GetModuleDefinition().Mvid) == buildId)
        {
            return true;
        }

        foreach (DebugDirectoryEntry entry in pe.ReadDebugDirectory())
        {
            if (entry.Type == DebugDirectoryEntryType.CodeView && pe.ReadCodeViewDebugDirectoryData(entry).Guid == buildId)
            {
                return true;
            }
        }

        return false;
    }
}
