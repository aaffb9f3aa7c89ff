using System.Text;
using StackDepot.Cli.Output;

namespace StackDepot.Cli.Tests.InProcess;

/// <summary>A console for in-process runs: stdout kept as bytes (text and binary data), stderr as text.</summary>
internal sealed class TestConsole : ICliConsole
{
    private readonly MemoryStream _stdout = new();
    private readonly StringWriter _stderr = new() { NewLine = "\n" };

    public TestConsole(bool outputRedirected = true)
    {
        IsOutputRedirected = outputRedirected;
        Out = new StreamWriter(_stdout, new UTF8Encoding(false), leaveOpen: true) { AutoFlush = true, NewLine = "\n" };
    }

    public TextWriter Out { get; }

    public TextWriter Error => _stderr;

    public bool IsOutputRedirected { get; }

    public bool IsErrorRedirected => true;

    public bool IsInputRedirected => true;

    public ConsoleKeyInfo? TryReadKey() => null;

    public string StdOut => Encoding.UTF8.GetString(StdOutBytes);

    public byte[] StdOutBytes
    {
        get
        {
            Out.Flush();
            return _stdout.ToArray();
        }
    }

    public string StdErr => _stderr.ToString();

    public Stream OpenStandardOutput()
    {
        Out.Flush();
        return _stdout;
    }
}
