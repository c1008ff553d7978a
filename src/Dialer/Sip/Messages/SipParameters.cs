using System.Text;

namespace Cualify.Appliance.Dialer.Sip.Messages;

/// <summary>An ordered <c>;name=value</c> list (names case-insensitive), as on URIs, Via, To/From and Contact.</summary>
public sealed class SipParameters
{
    private readonly List<KeyValuePair<string, string?>> _items = [];

    public int Count => _items.Count;

    public bool Contains(string name) => IndexOf(name) >= 0;

    public string? this[string name] => IndexOf(name) is var index and >= 0 ? _items[index].Value : null;

    public SipParameters Set(string name, string? value)
    {
        var index = IndexOf(name);
        if (index >= 0)
        {
            _items[index] = new(name, value);
        }
        else
        {
            _items.Add(new(name, value));
        }

        return this;
    }

    public SipParameters Remove(string name)
    {
        for (var index = IndexOf(name); index >= 0; index = IndexOf(name))
        {
            _items.RemoveAt(index);
        }

        return this;
    }

    /// <summary>A plain loop: parameters are looked up on every message, and a predicate would cost an allocation each time.</summary>
    private int IndexOf(string name)
    {
        for (var i = 0; i < _items.Count; i++)
        {
            if (string.Equals(_items[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    public SipParameters Clone()
    {
        var copy = new SipParameters();
        copy._items.AddRange(_items);
        return copy;
    }

    public void AppendTo(StringBuilder builder)
    {
        foreach (var (name, value) in _items)
        {
            builder.Append(';').Append(name);
            if (value is not null)
            {
                builder.Append('=').Append(NeedsQuotes(value) ? SipText.Quote(value) : value);
            }
        }
    }

    public override string ToString()
    {
        var builder = CachedStringBuilder.Acquire();
        AppendTo(builder);
        return CachedStringBuilder.ToStringAndRelease(builder);
    }

    private static bool NeedsQuotes(string value)
    {
        foreach (var c in value)
        {
            if (!SipText.IsTokenChar(c) && c is not (':' or '[' or ']' or '/' or '@' or '&' or '=' or '$' or '?'))
            {
                return true;
            }
        }

        return value.Length == 0;
    }
}
