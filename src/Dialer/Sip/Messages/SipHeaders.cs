using System.Collections;

namespace Cualify.Appliance.Dialer.Sip.Messages;

public readonly record struct SipHeader(string Name, string Value);

/// <summary>
/// The headers of a message in order. Names compare case-insensitively and compact forms are expanded on the way in,
/// so <c>v:</c> and <c>VIA:</c> are both <see cref="SipHeaderNames.Via"/>.
/// </summary>
public sealed class SipHeaders : IEnumerable<SipHeader>
{
    private readonly List<SipHeader> _items = [];

    public int Count => _items.Count;

    /// <summary>Changes with every edit, so parsed views of the headers know when to parse again.</summary>
    public int Version { get; private set; }

    /// <summary>The first value of <paramref name="name"/>, or null.</summary>
    public string? this[string name]
    {
        get
        {
            name = SipHeaderNames.Canonical(name);
            foreach (var item in _items)
            {
                if (string.Equals(item.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return item.Value;
                }
            }

            return null;
        }
    }

    public IEnumerable<string> GetAll(string name)
    {
        name = SipHeaderNames.Canonical(name);
        foreach (var item in _items)
        {
            if (string.Equals(item.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                yield return item.Value;
            }
        }
    }

    public bool Contains(string name) => this[name] is not null;

    public SipHeaders Add(string name, string value)
    {
        Version++;
        _items.Add(new SipHeader(SipHeaderNames.Canonical(name), value));
        return this;
    }

    /// <summary>Inserts before any other value of the same header (a new top <c>Via</c>).</summary>
    public SipHeaders AddFirst(string name, string value)
    {
        Version++;
        name = SipHeaderNames.Canonical(name);
        var index = _items.FindIndex(item => string.Equals(item.Name, name, StringComparison.OrdinalIgnoreCase));
        _items.Insert(index < 0 ? _items.Count : index, new SipHeader(name, value));
        return this;
    }

    /// <summary>Replaces every value of <paramref name="name"/> with one value, keeping the first one's place.</summary>
    public SipHeaders Set(string name, string value)
    {
        Version++;
        name = SipHeaderNames.Canonical(name);
        var index = _items.FindIndex(item => string.Equals(item.Name, name, StringComparison.OrdinalIgnoreCase));
        Remove(name);
        _items.Insert(index < 0 ? _items.Count : Math.Min(index, _items.Count), new SipHeader(name, value));
        return this;
    }

    public SipHeaders Remove(string name)
    {
        Version++;
        name = SipHeaderNames.Canonical(name);
        _items.RemoveAll(item => string.Equals(item.Name, name, StringComparison.OrdinalIgnoreCase));
        return this;
    }

    /// <summary>Replaces the first value of <paramref name="name"/> (used to stamp <c>received</c> on the top Via).</summary>
    public void ReplaceFirst(string name, string value)
    {
        Version++;
        name = SipHeaderNames.Canonical(name);
        var index = _items.FindIndex(item => string.Equals(item.Name, name, StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            _items[index] = new SipHeader(name, value);
        }
    }

    public SipHeaders CopyFrom(SipHeaders other, string name)
    {
        foreach (var value in other.GetAll(name))
        {
            Add(name, value);
        }

        return this;
    }

    public IEnumerator<SipHeader> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
