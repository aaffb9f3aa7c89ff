namespace StackDepot.Cli.Sampling;

/// <summary>
/// Folds an async method's stub into the state machine it starts, walking a stack from the innermost frame outwards
/// with the async plumbing already left out: the stub calls the builder's <c>Start</c>, which runs the state machine's
/// <c>MoveNext</c>; both read as the method that was written, and one frame shows it. Feed it the frames of one stack
/// in order; a new stack needs a new folder.
/// </summary>
internal struct AsyncStubFolder
{
    private string? _stateMachineOf;

    /// <summary>True when <paramref name="method"/> is the stub of the state machine just seen (leave it out).</summary>
    public bool Folds(ClrMethodName method)
    {
        if (_stateMachineOf is not null && !method.IsStateMachine && method.WrittenMethod == _stateMachineOf)
        {
            _stateMachineOf = null;
            return true;
        }

        _stateMachineOf = method.IsStateMachine ? method.WrittenMethod : null;
        return false;
    }
}
