namespace StackDepot.Cli.Async;

/// <summary>What a continuation of a pending task leads to.</summary>
internal enum AsyncLinkKind
{
    /// <summary>Another pending task or async method in the graph (the one that awaits this one).</summary>
    Node,

    /// <summary>A thread waiting synchronously on the task (a <c>Task+SetOnInvokeMres</c> event).</summary>
    BlockingWait,

    /// <summary>Code that is not a task (a callback): the chain ends with a frame that names it.</summary>
    Callback,

    /// <summary>An object that could not be read (a corrupt heap): the chain ends with a marker.</summary>
    Broken,
}
