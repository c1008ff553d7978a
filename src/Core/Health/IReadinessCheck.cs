namespace Cualify.Appliance.Core.Health;

public sealed record ReadinessResult(bool Ready, string Detail)
{
    public static ReadinessResult Ok(string detail = "ok") => new(true, detail);

    public static ReadinessResult Failed(string detail) => new(false, detail);
}

/// <summary>One dependency <c>/readyz</c> checks (the store, the SMTP server, the trunk…).</summary>
public interface IReadinessCheck
{
    string Name { get; }

    Task<ReadinessResult> CheckAsync(CancellationToken cancellationToken);
}
