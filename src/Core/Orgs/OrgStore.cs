using System.Text.Json;
using Cronos;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Orgs;

/// <summary>Orgs: creation, lookup, the settings an org admin may change and the terms only an operator may.</summary>
public sealed class OrgStore(ApplianceStore store)
{
    private const string Columns = """
        id, name, plan, rate_paise_per_sec, billing_increment_sec, max_concurrent_calls, calls_per_second,
        rate_limit_per_minute, default_caller_id, calling_hours, max_attempts_per_day, admin_emails, settings,
        recording_notice, writer_enabled, balance_paise, reserved_paise, created_at, updated_at
        """;

    public const string DefaultName = "default";

    public Task<Org> CreateAsync(string name, CancellationToken cancellationToken = default) =>
        store.WriteAsync(tx => CreateAsync(tx, name), cancellationToken);

    public async Task<Org> CreateAsync(StoreTransaction tx, string name)
    {
        name = ValidName(name);
        var taken = await tx.ExecuteScalarAsync<long>("SELECT count(*) FROM orgs WHERE name = @name", new { name });
        if (taken > 0)
        {
            throw ApplianceException.Conflict($"An org named '{name}' already exists", "name");
        }

        return await tx.QuerySingleAsync<Org>($"""
            INSERT INTO orgs (id, name, created_at, updated_at) VALUES (@id, @name, @now, @now)
            RETURNING {Columns}
            """, new { id = Ids.New(tx.Now), name, now = tx.Now });
    }

    public Task<Org?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<Org>(
            new CommandDefinition($"SELECT {Columns} FROM orgs WHERE id = @id", new { id }, cancellationToken: cancellationToken)), cancellationToken);

    public Task<Org?> GetAsync(StoreTransaction tx, string id) =>
        tx.QuerySingleOrDefaultAsync<Org>($"SELECT {Columns} FROM orgs WHERE id = @id", new { id });

    /// <summary>Finds an org by id or by name, as the CLI accepts either.</summary>
    public Task<Org?> FindAsync(string idOrName, CancellationToken cancellationToken = default) =>
        store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<Org>(
            new CommandDefinition($"SELECT {Columns} FROM orgs WHERE id = @idOrName OR name = @idOrName", new { idOrName }, cancellationToken: cancellationToken)), cancellationToken);

    public async Task<Org> RequireAsync(string id, CancellationToken cancellationToken = default) =>
        await GetAsync(id, cancellationToken) ?? throw ApplianceException.NotFound("Org", "id");

    public Task<long> CountAsync(CancellationToken cancellationToken = default) =>
        store.ReadAsync(connection => connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM orgs", cancellationToken: cancellationToken)), cancellationToken);

    public Task<Page<Org>> ListAsync(PageRequest page, CancellationToken cancellationToken = default) =>
        new ListQuery("orgs", Columns).ReadAsync<Org>(store, null, page, cancellationToken);

    public Task<Org> UpdateSettingsAsync(string orgId, OrgSettingsChange change, CancellationToken cancellationToken = default)
    {
        var errors = new FieldErrors();
        if (change.Name is not null && string.IsNullOrWhiteSpace(change.Name))
        {
            errors.Add("name", "name must not be empty");
        }

        if (change.DefaultCallerId is not null && PhoneNumberRules.ToE164(change.DefaultCallerId) is null)
        {
            errors.Add("default_caller_id", PhoneNumberRules.InvalidMessage("default_caller_id"));
        }

        if (change.CallingHours is not null && !IsCron(change.CallingHours))
        {
            errors.Add("calling_hours", "calling_hours must be a 5-field cron expression of allowed minutes, e.g. * 9-20 * * 1-6");
        }

        if (change.MaxAttemptsPerDay is < 1 or > 100)
        {
            errors.Add("max_attempts_per_day", "max_attempts_per_day must be from 1 to 100");
        }

        foreach (var (email, index) in (change.AdminEmails ?? []).Select((e, i) => (e, i)))
        {
            if (!EmailAddresses.IsValid(email))
            {
                errors.Add("admin_emails", $"admin_emails[{index}] is not a valid email address");
            }
        }

        if (change.RecordingNotice is not null && (string.IsNullOrWhiteSpace(change.RecordingNotice) || change.RecordingNotice.Length > 500))
        {
            errors.Add("recording_notice", "recording_notice must be a sentence of 1 to 500 characters, e.g. \"This call is recorded.\"");
        }

        errors.ThrowIfAny();
        return store.WriteAsync(async tx =>
        {
            var current = await GetAsync(tx, orgId) ?? throw ApplianceException.NotFound("Org");
            if (change.Name is not null && !string.Equals(change.Name.Trim(), current.Name, StringComparison.OrdinalIgnoreCase))
            {
                var taken = await tx.ExecuteScalarAsync<long>("SELECT count(*) FROM orgs WHERE name = @name AND id <> @orgId", new { name = change.Name.Trim(), orgId });
                if (taken > 0)
                {
                    throw ApplianceException.Conflict($"An org named '{change.Name.Trim()}' already exists", "name");
                }
            }

            return await tx.QuerySingleAsync<Org>($"""
                UPDATE orgs SET
                    name = coalesce(@Name, name),
                    default_caller_id = CASE WHEN @ClearDefaultCallerId = 1 THEN NULL ELSE coalesce(@DefaultCallerId, default_caller_id) END,
                    calling_hours = coalesce(@CallingHours, calling_hours),
                    max_attempts_per_day = coalesce(@MaxAttemptsPerDay, max_attempts_per_day),
                    admin_emails = coalesce(@AdminEmails, admin_emails),
                    recording_notice = coalesce(@RecordingNotice, recording_notice),
                    writer_enabled = coalesce(@WriterEnabled, writer_enabled),
                    updated_at = @Now
                WHERE id = @OrgId
                RETURNING {Columns}
                """, new
            {
                Name = change.Name?.Trim(),
                RecordingNotice = change.RecordingNotice?.Trim(),
                change.WriterEnabled,
                DefaultCallerId = change.DefaultCallerId is null ? null : PhoneNumberRules.ToE164(change.DefaultCallerId),
                change.ClearDefaultCallerId,
                CallingHours = change.CallingHours?.Trim(),
                change.MaxAttemptsPerDay,
                AdminEmails = change.AdminEmails is null ? null : JsonSerializer.Serialize(change.AdminEmails),
                tx.Now,
                OrgId = orgId,
            });
        }, cancellationToken);
    }

    public Task<Org> UpdateTermsAsync(string orgId, OrgTermsChange change, CancellationToken cancellationToken = default)
    {
        var errors = new FieldErrors();
        if (change.Plan is not null && !OrgPlan.All.Contains(change.Plan))
        {
            errors.Add("plan", "plan must be active or inactive");
        }

        if (change.RatePaisePerSec is < 0 or > 1_000_000)
        {
            errors.Add("rate_paise_per_sec", "rate_paise_per_sec must be from 0 to 1000000");
        }

        if (change.BillingIncrementSec is < 1 or > 3600)
        {
            errors.Add("billing_increment_sec", "billing_increment_sec must be from 1 to 3600");
        }

        if (change.MaxConcurrentCalls is < 0 or > 100_000)
        {
            errors.Add("max_concurrent_calls", "max_concurrent_calls must be from 0 to 100000");
        }

        if (change.CallsPerSecond is not null && (change.CallsPerSecond <= 0 || change.CallsPerSecond > 10_000 || double.IsNaN(change.CallsPerSecond.Value)))
        {
            errors.Add("calls_per_second", "calls_per_second must be above 0 and at most 10000");
        }

        if (change.RateLimitPerMinute is < 1 or > 1_000_000)
        {
            errors.Add("rate_limit_per_minute", "rate_limit_per_minute must be from 1 to 1000000");
        }

        errors.ThrowIfAny();
        return store.WriteAsync(async tx =>
        {
            var updated = await tx.QuerySingleOrDefaultAsync<Org>($"""
                UPDATE orgs SET
                    plan = coalesce(@Plan, plan),
                    rate_paise_per_sec = coalesce(@RatePaisePerSec, rate_paise_per_sec),
                    billing_increment_sec = coalesce(@BillingIncrementSec, billing_increment_sec),
                    max_concurrent_calls = coalesce(@MaxConcurrentCalls, max_concurrent_calls),
                    calls_per_second = coalesce(@CallsPerSecond, calls_per_second),
                    rate_limit_per_minute = coalesce(@RateLimitPerMinute, rate_limit_per_minute),
                    updated_at = @Now
                WHERE id = @OrgId
                RETURNING {Columns}
                """, new
            {
                change.Plan,
                change.RatePaisePerSec,
                change.BillingIncrementSec,
                change.MaxConcurrentCalls,
                change.CallsPerSecond,
                change.RateLimitPerMinute,
                tx.Now,
                OrgId = orgId,
            });
            return updated ?? throw ApplianceException.NotFound("Org", "id");
        }, cancellationToken);
    }

    private static bool IsCron(string expression)
    {
        try
        {
            CronExpression.Parse(expression.Trim(), CronFormat.Standard);
            return true;
        }
        catch (CronFormatException)
        {
            return false;
        }
    }

    private static string ValidName(string name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length is 0 or > 100)
        {
            new FieldErrors().Add("name", "name must be 1 to 100 characters").ThrowIfAny();
        }

        return trimmed;
    }
}
