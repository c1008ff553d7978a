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
/// UUIDv7 ids for the rows of one write, all at one instant: the same ids as <see cref="Ids.New(DateTimeOffset)"/> and
/// <see cref="Ids.Prefixed"/> give, but the random bits of 256 ids are taken in one call to the secure random source
/// (each <see cref="Guid.CreateVersion7(DateTimeOffset)"/> is one read of the kernel's random device, a system call
/// per id, which an import pays twice a row: the contact and its event).
/// </summary>
public sealed class IdBatch(DateTimeOffset at)
{
    private const int IdsPerFill = 256;

    private readonly long _unixMilliseconds = at.ToUnixTimeMilliseconds() is var ms and >= 0 ? ms : throw new ArgumentOutOfRangeException(nameof(at));
    private readonly byte[] _random = new byte[16 * IdsPerFill];
    private int _taken = IdsPerFill;

    public string New() => Next().ToString();

    public string Prefixed(string prefix) => $"{prefix}_{Next():N}";

    /// <summary>RFC 9562 version 7: 48 bits of Unix milliseconds, the version, 74 random bits and the variant.</summary>
    private Guid Next()
    {
        if (_taken == IdsPerFill)
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(_random);
            _taken = 0;
        }

        Span<byte> bytes = stackalloc byte[16];
        _random.AsSpan(16 * _taken++, 16).CopyTo(bytes);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes[..8], (_unixMilliseconds << 16) | System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(bytes[6..8]));
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }
}
