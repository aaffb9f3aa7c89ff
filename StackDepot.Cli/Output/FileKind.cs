namespace StackDepot.Cli.Output;

/// <summary>What a path names, after following symbolic links (the file type bits of <c>stat</c>).</summary>
internal enum FileKind
{
    /// <summary>Nothing (or a symbolic link to nothing).</summary>
    Missing,

    /// <summary>A regular file.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A named pipe.</summary>
    Fifo,

    /// <summary>A character device (a terminal, <c>/dev/null</c>, <c>/dev/full</c>...).</summary>
    CharacterDevice,

    /// <summary>A block device (a disk).</summary>
    BlockDevice,

    /// <summary>A Unix domain socket.</summary>
    Socket,

    /// <summary>The type could not be read (not Linux, or no <c>statx</c>): treated as a regular file.</summary>
    Unknown,
}
