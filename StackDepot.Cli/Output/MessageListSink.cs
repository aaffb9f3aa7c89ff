using System.Globalization;
using Serilog.Core;
using Serilog.Events;

namespace StackDepot.Cli.Output;

/// <summary>Keeps the last log messages (warnings and up) as text, for a live view that owns the terminal and shows
/// them itself instead of letting them scroll it away.</summary>
/// <param name="capacity">How many messages are kept (the oldest go first).</param>
internal sealed class MessageListSink(int capacity) : ILogEventSink
{
    private readonly List<string> _messages = [];

    /// <summary>The messages kept, oldest first.</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    /// <inheritdoc/>
    public void Emit(LogEvent logEvent)
    {
        if (logEvent.Level < LogEventLevel.Warning)
        {
            return;
        }

        lock (_messages)
        {
            _messages.Add(logEvent.RenderMessage(CultureInfo.InvariantCulture));
            if (_messages.Count > capacity)
            {
                _messages.RemoveAt(0);
            }
        }
    }
}
