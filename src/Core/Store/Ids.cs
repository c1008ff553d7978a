namespace Cualify.Appliance.Core.Store;

/// <summary>Resource ids: UUIDv7 strings (time-ordered), and prefixed forms for events, templates and enrollments.</summary>
public static class Ids
{
    public static string New(TimeProvider time) => Guid.CreateVersion7(time.GetUtcNow()).ToString();

    public static string New(DateTimeOffset at) => Guid.CreateVersion7(at).ToString();

    /// <summary>A prefixed id such as <c>evt_0193…</c>: the prefix plus a UUIDv7 without dashes.</summary>
    public static string Prefixed(string prefix, DateTimeOffset at) => $"{prefix}_{Guid.CreateVersion7(at):N}";

    public static bool IsUuid(string? value) => Guid.TryParseExact(value, "D", out _);
}

/// <summary>
/// UUIDv7 ids for the rows of one write, all at one instant: the layout of <see cref="Ids.New(DateTimeOffset)"/> and
/// <see cref="Ids.Prefixed"/>, but the random bits of 256 ids are taken in one call to the secure random source
/// (each <see cref="Guid.CreateVersion7(DateTimeOffset)"/> is one read of the kernel's random device, a system call
/// per id, which an import pays twice a row: the contact and its event), and the ids rise one after another
/// (RFC 9562 §6.2, method 2: the 74 random bits of each id are the previous id's plus a random 56-bit step). Ids in
/// the order they are inserted go to the right-hand end of every B-tree keyed by them instead of splitting pages
/// all over the batch's range.
/// </summary>
public sealed class IdBatch(DateTimeOffset at)
{
    private const int StepsPerFill = 256;
    private static readonly UInt128 RandomBits = (UInt128.One << 74) - 1;

    private readonly long _unixMilliseconds = at.ToUnixTimeMilliseconds() is var ms and >= 0 ? ms : throw new ArgumentOutOfRangeException(nameof(at));
    private readonly byte[] _random = new byte[8 * StepsPerFill];
    private int _taken = StepsPerFill;
    private UInt128 _last;
    private bool _started;

    public string New() => Next().ToString();

    public string Prefixed(string prefix) => $"{prefix}_{Next():N}";

    /// <summary>RFC 9562 version 7: 48 bits of Unix milliseconds, the version, 74 random bits and the variant.</summary>
    private Guid Next()
    {
        // The first id starts in the lower half of the random range, so that even 2^17 steps of at most 2^56 cannot
        // run past its end; one that would (never, at a write's size) starts again from a fresh random value.
        var step = (UInt128)(TakeRandom() >> 8) + 1;
        _last = !_started || RandomBits - _last < step ? ((UInt128)TakeRandom() << 9 ^ TakeRandom()) & (RandomBits >> 1) : _last + step;
        _started = true;

        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[..8], ((ulong)_unixMilliseconds << 16) | 0x7000 | (ulong)(_last >> 62));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], 0x8000_0000_0000_0000UL | (ulong)(_last & ((UInt128.One << 62) - 1)));
        return new Guid(bytes, bigEndian: true);
    }

    private ulong TakeRandom()
    {
        if (_taken == StepsPerFill)
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(_random);
            _taken = 0;
        }

        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_random.AsSpan(8 * _taken++, 8));
    }
}
