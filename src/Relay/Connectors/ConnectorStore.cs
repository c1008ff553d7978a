using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Connectors.HubSpot;
using Dapper;

namespace Cualify.Appliance.Relay.Connectors;

/// <summary>A connector with its inbound secret in clear, returned only by creation.</summary>
public sealed record ConnectorWithSecret(Connector Connector, string InboundSecret);

/// <summary>A PATCH: each field given replaces the stored one; <c>credentials</c> replaces them all and clears <c>auth_failed</c>.</summary>
public sealed record ConnectorPatch(string? Name, JsonObject? Credentials, JsonObject? Options, bool? Enabled);

/// <summary>An org's CRM connectors: creation (credentials checked and sealed, a fresh inbound secret), listing, changes and deletion.</summary>
public sealed class ConnectorStore(ApplianceStore store, SecretProtector protector, ConnectorSignal signal, HubSpotTokens tokens, Zoho.ZohoTokens zohoTokens, Addresses.WebhookAddressPolicy policy)
{
    public const int MaxPerOrg = 20;

    public async Task<ConnectorWithSecret> CreateAsync(string orgId, string? kind, string? name, JsonObject? credentials, JsonObject? options, CancellationToken cancellationToken = default)
    {
        var errors = new FieldErrors();
        if (kind is not (ConnectorKinds.HubSpot or ConnectorKinds.Zoho))
        {
            errors.Add("kind", "kind must be hubspot or zoho");
        }

        var checkedName = CheckName(name, errors);
        var creds = kind is null ? null : ConnectorCredentials.Read(kind, credentials, errors);
        var opts = ConnectorOptionsJson.Read(options ?? [], errors);
        CheckAddresses(opts, options ?? [], errors);
        errors.ThrowIfAny();
        await RequireTemplateAsync(orgId, opts.InboundTemplateId, cancellationToken);
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        return await store.WriteAsync(async tx =>
        {
            var count = await tx.ExecuteScalarAsync<long>("SELECT count(*) FROM connectors WHERE org_id = @orgId AND deleted_at IS NULL", new { orgId });
            if (count >= MaxPerOrg)
            {
                throw ApplianceException.Conflict($"An org may have at most {MaxPerOrg} connectors; delete one first");
            }

            var connector = await tx.QuerySingleAsync<Connector>($"""
                INSERT INTO connectors (id, org_id, kind, name, credentials, options, inbound_secret, from_seq, created_at, updated_at)
                VALUES (@Id, @OrgId, @Kind, @Name, @Credentials, @Options, @Secret, (SELECT coalesce(max(seq), 0) FROM events), @Now, @Now)
                RETURNING {Connector.Columns}
                """, new
            {
                Id = Ids.New(tx.Now),
                OrgId = orgId,
                Kind = kind,
                Name = checkedName,
                Credentials = protector.Protect(creds!.ToJson()),
                Options = (options ?? []).ToJsonString(),
                Secret = protector.Protect(secret),
                tx.Now,
            });
            return new ConnectorWithSecret(connector, secret);
        }, cancellationToken);
    }

    public Task<Page<Connector>> ListAsync(string orgId, PageRequest page, CancellationToken cancellationToken = default) =>
        ListQuery.OfOrg("connectors", Connector.Columns).Where("deleted_at IS NULL").ReadAsync<Connector>(store, new { OrgId = orgId }, page, cancellationToken);

    public async Task<Connector> RequireAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        await store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<Connector>(new CommandDefinition(
            $"SELECT {Connector.Columns} FROM connectors WHERE org_id = @orgId AND id = @id AND deleted_at IS NULL", new { orgId, id }, cancellationToken: cancellationToken)), cancellationToken)
        ?? throw ApplianceException.NotFound("Connector", "id");

    /// <summary>The connector an inbound request names, of any org (the request carries no key); null when unknown.</summary>
    public Task<Connector?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<Connector>(new CommandDefinition(
            $"SELECT {Connector.Columns} FROM connectors WHERE id = @id AND deleted_at IS NULL", new { id }, cancellationToken: cancellationToken)), cancellationToken);

    public ConnectorCredentials CredentialsOf(Connector connector) => ConnectorCredentials.FromJson(protector.Unprotect(connector.Credentials));

    public string InboundSecretOf(Connector connector) => protector.Unprotect(connector.InboundSecret);

    public async Task<Connector> UpdateAsync(string orgId, string id, ConnectorPatch patch, CancellationToken cancellationToken = default)
    {
        var current = await RequireAsync(orgId, id, cancellationToken);
        var errors = new FieldErrors();
        var name = patch.Name is null ? current.Name : CheckName(patch.Name, errors);
        var credentials = patch.Credentials is null ? null : ConnectorCredentials.Read(current.Kind, patch.Credentials, errors);
        var options = patch.Options ?? (JsonNode.Parse(current.Options) as JsonObject ?? []);
        var parsed = ConnectorOptionsJson.Read(options, errors);
        CheckAddresses(parsed, options, errors);
        errors.ThrowIfAny();
        await RequireTemplateAsync(orgId, parsed.InboundTemplateId, cancellationToken);
        var updated = await store.WriteAsync(async tx =>
        {
            var status = current.Status;
            if (patch.Enabled == false)
            {
                status = ConnectorStatus.Disabled;
            }
            else if (credentials is not null || patch.Enabled == true)
            {
                status = ConnectorStatus.Healthy;
            }

            var fresh = credentials is not null || (patch.Enabled == true && current.Status != ConnectorStatus.Healthy);
            return await tx.QuerySingleAsync<Connector>($"""
                UPDATE connectors
                SET name = @name, credentials = coalesce(@Credentials, credentials), options = @Options, status = @status,
                    paused_until = CASE WHEN @fresh = 1 THEN NULL ELSE paused_until END,
                    last_error = CASE WHEN @fresh = 1 THEN NULL ELSE last_error END,
                    token_expires_at = CASE WHEN @Credentials IS NOT NULL THEN NULL ELSE token_expires_at END,
                    updated_at = @Now
                WHERE id = @id
                RETURNING {Connector.Columns}
                """, new
            {
                id,
                name,
                Credentials = credentials is null ? null : protector.Protect(credentials.ToJson()),
                Options = options.ToJsonString(),
                status,
                fresh,
                tx.Now,
            });
        }, cancellationToken);
        if (credentials is not null)
        {
            tokens.Forget(id);
            zohoTokens.Forget(id);
        }

        signal.Notify();
        return updated;
    }

    /// <summary>Deletes at once: nothing more is written to the CRM; syncs not yet written end failed.</summary>
    public Task DeleteAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            var deleted = await tx.ExecuteAsync(
                "UPDATE connectors SET deleted_at = @Now, status = 'disabled', updated_at = @Now WHERE org_id = @orgId AND id = @id AND deleted_at IS NULL",
                new { orgId, id, tx.Now });
            if (deleted == 0)
            {
                throw ApplianceException.NotFound("Connector", "id");
            }

            await tx.ExecuteAsync("""
                UPDATE connector_syncs SET status = 'failed', next_attempt_at = NULL, last_error = 'connector deleted', updated_at = @Now
                WHERE connector_id = @id AND status IN ('pending', 'sending') AND status = 'pending'
                """, new { id, tx.Now });
            tx.AfterCommit(() =>
            {
                tokens.Forget(id);
                zohoTokens.Forget(id);
            });
        }, cancellationToken);

    /// <summary>The CRM's URLs follow the webhook rules: https except loopback and Relay:AllowHttpHosts, never link-local or metadata.</summary>
    private void CheckAddresses(ConnectorOptionsJson options, JsonObject given, FieldErrors errors)
    {
        foreach (var (field, url) in new[] { ("base_url", options.BaseUrl), ("accounts_url", options.AccountsUrl) })
        {
            if (given[field] is not null && url is not null && policy.Check(url, out _) is { } refusal)
            {
                errors.Add($"options.{field}", refusal);
            }
        }
    }

    private static string CheckName(string? name, FieldErrors errors)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length is 0 or > 200)
        {
            errors.Add("name", "name must be 1 to 200 characters, e.g. \"HubSpot sales portal\"");
        }

        return trimmed;
    }

    private async Task RequireTemplateAsync(string orgId, string? templateId, CancellationToken cancellationToken)
    {
        if (templateId is null)
        {
            return;
        }

        var exists = await store.ReadAsync(connection => connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM sequence_templates WHERE org_id = @orgId AND id = @templateId", new { orgId, templateId }, cancellationToken: cancellationToken)), cancellationToken);
        if (exists == 0)
        {
            throw new FieldErrors().Add("options.inbound_template_id", $"no sequence template {templateId} in this org").ToException();
        }
    }
}

/// <summary>New syncs or a changed connector: the connector dispatcher looks for work now.</summary>
public sealed class ConnectorSignal : WorkSignal;

/// <summary>An inbound request was stored: the inbound processor handles it now.</summary>
public sealed class InboundSignal : WorkSignal;
