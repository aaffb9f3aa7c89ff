namespace StackDepot.Cli.Output;

/// <summary>The process's own standard streams.</summary>
internal sealed class SystemConsole : ICliConsole
{
    private SystemConsole()
    {
    }

    /// <summary>The one instance.</summary>
    public static SystemConsole Instance { get; } = new();

    /// <inheritdoc/>
    public TextWriter Out => Console.Out;

    /// <inheritdoc/>
    public TextWriter Error => Console.Error;

    /// <inheritdoc/>
    public bool IsOutputRedirected => Console.IsOutputRedirected;

    /// <inheritdoc/>
    public bool IsErrorRedirected => Console.IsErrorRedirected;

    /// <inheritdoc/>
    public bool IsInputRedirected => Console.IsInputRedirected;

    /// <inheritdoc/>
    public ConsoleKeyInfo? TryReadKey() => !Console.IsInputRedirected && Console.KeyAvailable ? Console.ReadKey(intercept: true) : null;

    /// <inheritdoc/>
    public Stream OpenStandardOutput()
    {
        Console.Out.Flush();
        return Console.OpenStandardOutput();
    }
}
