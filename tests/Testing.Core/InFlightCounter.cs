namespace Cualify.Appliance.Testing;

/// <summary>
/// Requests open at once in a stand-in server, and the most ever open, so a test can check the client's
/// concurrency cap.
/// </summary>
public sealed class InFlightCounter
{
    private int _current;
    private int _most;

    public int Current => Volatile.Read(ref _current);

    public int Most => Volatile.Read(ref _most);

    public void Enter()
    {
        var now = Interlocked.Increment(ref _current);
        int seen;
        while (now > (seen = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, now, seen) != seen)
        {
        }
    }

    public void Exit() => Interlocked.Decrement(ref _current);
}
