using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using StackDepot.Cli.Output;
using Xunit.Abstractions;

namespace StackDepot.Cli.Tests.InProcess;

/// <summary>
/// <c>-o</c> on every kind of path: a regular file is replaced whole through a temporary file; a symlink is written
/// through to its target; a FIFO or a character device is written straight into and stays what it was; anything
/// else, a full disk, and paths in kernel file systems are one error (exit 8) that destroys nothing.
/// </summary>
public sealed class OutputFileTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stackdepot-output-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_regular_file_is_replaced_whole_and_no_temporary_file_stays()
    {
        string file = Path.Combine(_dir, "report.txt");
        File.WriteAllText(file, "an older and longer report");
        Write(file, "new");
        Assert.Equal("new", File.ReadAllText(file));
        Assert.Equal(["report.txt"], Entries(_dir));
    }

    [Fact]
    public void A_symlink_is_written_through_to_its_target()
    {
        string real = Path.Combine(_dir, "real.txt");
        string link = Path.Combine(_dir, "link.txt");
        File.WriteAllText(real, "old");
        File.CreateSymbolicLink(link, "real.txt");
        Write(link, "new");
        Assert.Equal("symbolic link", Shell.FileType(link));
        Assert.Equal("new", File.ReadAllText(real));

        // A link to a file yet to be made, in another directory: the file is made there, the link stays.
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        string dangling = Path.Combine(_dir, "dangling.txt");
        File.CreateSymbolicLink(dangling, Path.Combine("sub", "made.txt"));
        Write(dangling, "made");
        Assert.Equal("symbolic link", Shell.FileType(dangling));
        Assert.Equal("made", File.ReadAllText(Path.Combine(_dir, "sub", "made.txt")));

        Assert.Equal(["dangling.txt", "link.txt", "real.txt", "sub"], Entries(_dir));
        Assert.Equal(["made.txt"], Entries(Path.Combine(_dir, "sub")));
    }

    [Fact]
    public void A_symlink_loop_is_exit_8()
    {
        string a = Path.Combine(_dir, "a.txt");
        File.CreateSymbolicLink(a, "b.txt");
        File.CreateSymbolicLink(Path.Combine(_dir, "b.txt"), "a.txt");
        CliException e = Assert.Throws<CliException>(() => Write(a, "x"));
        Assert.Equal(ExitCode.OutputNotWritable, e.Code);
        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        Assert.Equal(["a.txt", "b.txt"], Entries(_dir));
    }

    [Fact]
    public async Task A_fifo_is_written_straight_into_and_stays_a_fifo()
    {
        string fifo = Path.Combine(_dir, "pipe");
        string received = Path.Combine(_dir, "received.txt");
        Shell.Must("mkfifo", fifo);
        using var reader = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "cat \"$0\" > \"$1\"", fifo, received]) { UseShellExecute = false })!;
        try
        {
            Write(fifo, "through the pipe\n");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await reader.WaitForExitAsync(timeout.Token); // the reader ends when the writer closes the FIFO
        }
        finally
        {
            if (!reader.HasExited)
            {
                reader.Kill();
            }
        }

        Assert.Equal("through the pipe\n", File.ReadAllText(received));
        Assert.Equal("fifo", Shell.FileType(fifo));
        Assert.Equal(["pipe", "received.txt"], Entries(_dir));
    }

    [Fact]
    public void A_character_device_is_written_straight_into_and_stays_one()
    {
        string link = Path.Combine(_dir, "null-link");
        File.CreateSymbolicLink(link, "/dev/null");
        Write(link, "discarded");
        Assert.Equal("symbolic link", Shell.FileType(link));
        Assert.Equal("character special file", Shell.FileType("/dev/null"));

        if (Shell.IsRoot)
        {
            string device = Path.Combine(_dir, "null");
            Shell.Must("mknod", device, "c", "1", "3"); // the null device
            Write(device, "discarded");
            Assert.Equal("character special file", Shell.FileType(device));
        }

        Assert.Equal(Shell.IsRoot ? ["null", "null-link"] : ["null-link"], Entries(_dir));
    }

    [Fact]
    public void A_file_descriptor_path_writes_the_descriptor_s_file_itself()
    {
        string file = Path.Combine(_dir, "stdout.txt");
        using var open = new FileStream(file, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite);
        open.Write(Encoding.UTF8.GetBytes("an older and longer text"));
        open.Flush();
        long fd = open.SafeFileHandle.DangerousGetHandle();

        Write($"/proc/self/fd/{fd}", "new");
        open.Position = 0;
        Assert.Equal("new", new StreamReader(open).ReadToEnd()); // the same file, truncated, not a new one in its place
        Assert.Equal(["stdout.txt"], Entries(_dir));
    }

    [Fact]
    public void Sockets_and_block_devices_are_refused_with_exit_8()
    {
        string path = Path.Combine(_dir, "socket");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        CliException e = Assert.Throws<CliException>(() => Write(path, "x"));
        Assert.Equal(ExitCode.OutputNotWritable, e.Code);
        Assert.Contains("is a socket", e.Message, StringComparison.Ordinal);
        Assert.Equal("socket", Shell.FileType(path));

        if (Shell.IsRoot)
        {
            string block = Path.Combine(_dir, "block");
            Shell.Must("mknod", block, "b", "7", "250"); // a loop device number; nothing is opened
            e = Assert.Throws<CliException>(() => Write(block, "x"));
            Assert.Equal(ExitCode.OutputNotWritable, e.Code);
            Assert.Contains("is a block device", e.Message, StringComparison.Ordinal);
            Assert.Equal("block special file", Shell.FileType(block));
        }
    }

    [Fact]
    public void The_full_device_is_exit_8()
    {
        CliException e = Assert.Throws<CliException>(() => Write("/dev/full", "x"));
        Assert.Equal(ExitCode.OutputNotWritable, e.Code);
        Assert.Equal("cannot write output file /dev/full: no space left on device", e.Message);
    }

    [Fact]
    public void A_full_file_system_is_exit_8_leaves_no_temporary_file_and_keeps_the_old_report()
    {
        string mount = Path.Combine(_dir, "small");
        Directory.CreateDirectory(mount);
        (int code, string output) = Shell.IsRoot ? Shell.Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount) : (-1, "not root");
        if (code != 0)
        {
            // Without a size-limited mount, the full device stands in (no temporary file is involved there).
            log.WriteLine($"cannot mount a small tmpfs ({output.Trim()}); checking /dev/full only");
            The_full_device_is_exit_8();
            return;
        }

        try
        {
            string report = Path.Combine(mount, "report.txt");
            File.WriteAllText(report, "the old report");
            CliException e = Assert.Throws<CliException>(() => Write(report, new string('x', 1 << 20)));
            Assert.Equal(ExitCode.OutputNotWritable, e.Code);
            Assert.Equal($"cannot write output file {report}: no space left on device", e.Message);
            Assert.Equal(["report.txt"], Entries(mount));
            Assert.Equal("the old report", File.ReadAllText(report));
        }
        finally
        {
            Shell.Must("umount", mount);
        }
    }

    [Theory]
    [InlineData("/proc/version")]
    [InlineData("/proc/self/new-file")]
    [InlineData("/sys/kernel/new-file")]
    public void A_path_in_a_kernel_file_system_is_exit_8_with_the_reason(string path)
    {
        CliException e = Assert.Throws<CliException>(() => Write(path, "x"));
        Assert.Equal(ExitCode.OutputNotWritable, e.Code);
        string root = "/" + path.Split('/')[1];
        Assert.Equal($"cannot write output file {path}: {root} is a kernel file system ({(root == "/proc" ? "proc" : "sysfs")}), not a place for files", e.Message);
    }

    private static void Write(string path, string text)
    {
        using OutputFile output = OutputFile.Open(path, new TestConsole());
        output.Write(stream => stream.Write(Encoding.UTF8.GetBytes(text)));
    }

    private static string[] Entries(string directory) =>
        Directory.GetFileSystemEntries(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
}
