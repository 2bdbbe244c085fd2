using Supervisor.Storage;

namespace Supervisor.Plugins.Calling;

/// <summary>An operation of one or more calls, made by one app: a trap or an <c>err</c> result fails it.</summary>
internal sealed class GroupedOperation(Dispatcher dispatcher, string app, Operation operation, TurnHolder turns) : PluginOperation
{
    private readonly CallContext _context = new(app, operation, turns);

    public override OperationState State => _context.Operation.State;

    /// <summary>Cancels the calls made from now on when it is cancelled (the public operation API takes none yet).</summary>
    public CancellationToken Cancellation
    {
        set => _context.Cancellation = value;
    }

    public override object? Call(CallTarget target, IReadOnlyList<object?> args)
    {
        ArgumentNullException.ThrowIfNull(target);
        return Run(target, () => dispatcher.CallOutermost(_context, target, args));
    }

    /// <summary>Calls a target already resolved (the JSON face resolves it to convert the arguments).</summary>
    public object? Call(ResolvedTarget call, IReadOnlyList<object?> args) => Run(call.Target, () => dispatcher.CallOutermost(_context, call, args));

    private object? Run(CallTarget target, Func<object?> call)
    {
        if (_context.Operation.State != OperationState.Active)
            throw new PluginException(PluginErrorCode.Unavailable, $"the operation has already {(_context.Operation.State == OperationState.Committed ? "completed" : "failed")}");
        object? result;
        try
        {
            _context.Turns.ThrowIfRevoked();
            result = call();
        }
        catch (PluginException e) when (e.Code != PluginErrorCode.InvalidArguments && e.Code != PluginErrorCode.FunctionNotFound && e.Code != PluginErrorCode.InvalidTarget)
        {
            _context.Operation.Fail();
            throw;
        }
        catch (StorageException e)
        {
            _context.Operation.Fail();
            throw new PluginException(e.Code is StorageErrorCode.DeadlinePassed or StorageErrorCode.OperationEnded ? PluginErrorCode.Timeout : PluginErrorCode.Trap, $"call to {target} failed: {e.Message}", e);
        }
        if (result is WitResult { IsOk: false } err)
        {
            _context.Operation.Fail();
            throw new PluginException(PluginErrorCode.ErrorResult, $"{target} returned an error: {Describe(err.Value)}") { ErrorValue = err.Value };
        }
        return result;
    }

    private static string Describe(object? value) => value switch
    {
        null => "(no value)",
        string s => s,
        _ => value.ToString() ?? "",
    };

    public override void Complete()
    {
        try
        {
            if (_context.Turns.Revoked)
            {
                _context.Operation.Fail();
                _context.Turns.ThrowIfRevoked();
            }
            _context.Operation.Commit();
        }
        catch (StorageException e)
        {
            throw new PluginException(e.Code == StorageErrorCode.OperationEnded ? PluginErrorCode.Timeout : PluginErrorCode.Unavailable, $"the operation could not commit: {e.Message}", e);
        }
        finally
        {
            // After the commit: the next operation in these plugins sees all of this one's writes.
            _context.Turns.Dispose();
        }
    }

    public override void Fail()
    {
        _context.Operation.Fail();
        _context.Turns.Dispose();
    }

    public override void Dispose()
    {
        _context.Operation.Dispose();
        _context.Turns.Dispose();
    }
}
