namespace Cualify.Appliance.Core.Credits;

/// <summary>Per-second pricing with a billing increment (1 s by default, 60 s pulses also work).</summary>
public readonly record struct CallPricing(long RatePaisePerSec, int BillingIncrementSec)
{
    /// <summary>Seconds billed for a call that lasted <paramref name="seconds"/>: rounded up to the increment.</summary>
    public long BilledSeconds(double seconds)
    {
        if (seconds <= 0)
        {
            return 0;
        }

        var whole = (long)Math.Ceiling(seconds - 1e-9);
        return (whole + BillingIncrementSec - 1) / BillingIncrementSec * BillingIncrementSec;
    }

    public long Charge(double seconds) => BilledSeconds(seconds) * RatePaisePerSec;

    /// <summary>What a reservation for <paramref name="seconds"/> of talk must hold.</summary>
    public long ReservationFor(long seconds) => Charge(seconds);

    /// <summary>The longest call, in whole increments, that <paramref name="availablePaise"/> can pay for.</summary>
    public long AffordableSeconds(long availablePaise)
    {
        if (RatePaisePerSec == 0)
        {
            return long.MaxValue;
        }

        var pricePerIncrement = RatePaisePerSec * BillingIncrementSec;
        return availablePaise / pricePerIncrement * BillingIncrementSec;
    }
}
