namespace Cualify.Appliance.Core.Errors;

/// <summary>
/// Collects validation failures per field and turns them into one validation failure whose details
/// follow the flattened shape <c>{"formErrors":[…],"fieldErrors":{"field":["msg"]}}</c>.
/// </summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _fields = new(StringComparer.Ordinal);
    private readonly List<string> _form = [];

    public bool IsEmpty => _fields.Count == 0 && _form.Count == 0;

    public FieldErrors Add(string field, string message)
    {
        if (!_fields.TryGetValue(field, out var messages))
        {
            _fields[field] = messages = [];
        }

        messages.Add(message);
        return this;
    }

    public FieldErrors AddForm(string message)
    {
        _form.Add(message);
        return this;
    }

    /// <summary>Throws the collected errors, if any.</summary>
    public void ThrowIfAny()
    {
        if (!IsEmpty)
        {
            throw ToException();
        }
    }

    public ApplianceException ToException()
    {
        var first = _fields.FirstOrDefault();
        var message = first.Key is null ? _form.FirstOrDefault() ?? "The request is not valid" : first.Value[0];
        var details = new Dictionary<string, object?>
        {
            ["formErrors"] = _form.ToArray(),
            ["fieldErrors"] = _fields.ToDictionary(f => f.Key, f => f.Value.ToArray()),
        };
        return new ApplianceException(ErrorKind.Validation, message, first.Key, details);
    }
}
