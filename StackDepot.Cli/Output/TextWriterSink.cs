using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace StackDepot.Cli.Output;

/// <summary>Writes log events as <c>stackdepot: level: message</c> lines (and the exception, with <c>-v</c>) to a
/// writer, normally the console's stderr.</summary>
internal sealed class TextWriterSink(TextWriter output) : ILogEventSink
{
    private readonly MessageTemplateTextFormatter _formatter =
        new("stackdepot: {Level:w}: {Message:lj}{NewLine}{Exception}", CultureInfo.InvariantCulture);

    private readonly object _lock = new();

    /// <inheritdoc/>
    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            _formatter.Format(logEvent, output);
            output.Flush();
        }
    }
}
