using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Contacts;

/// <summary>
/// Contacts: upsert on the normalised number, lookups and filters, opt-out per channel, and erasure that
/// leaves only a hashed do-not-contact entry. Every change writes its <c>contact.*</c> event with it.
/// </summary>
public sealed class ContactStore(ApplianceStore store, EventOutbox outbox, IEnumerable<IContactErasureStep> erasureSteps)
{
    public const string Columns = """
        id, org_id, phone_e164, name, first_name, last_name, email, email_normalized, email_status, language_pref, notes,
        metadata, consent_capture, consent_at, opted_out_voice, opted_out_email, opted_out_at, opt_out_source, created_at, updated_at
        """;

    /// <summary>Creates or updates the org's contact with this phone number.</summary>
    public Task<UpsertResult> UpsertAsync(string orgId, ContactInput input, CancellationToken cancellationToken = default)
    {
        var normalized = ContactNormalizer.Normalize(input, phoneRequired: true);
        return store.WriteAsync(tx => UpsertAsync(tx, orgId, normalized, lastInWrite: true), cancellationToken);
    }

    /// <summary>The upsert of <c>POST /contacts</c> inside the caller's transaction, from already normalized fields.</summary>
    public Task<UpsertResult> UpsertAsync(StoreTransaction tx, string orgId, ContactInput normalized) =>
        UpsertAsync(tx, orgId, normalized, lastInWrite: false);

    /// <summary>With <paramref name="lastInWrite"/> (the upsert is the whole write) a new contact's insert also commits, on PostgreSQL in its round trip.</summary>
    private async Task<UpsertResult> UpsertAsync(StoreTransaction tx, string orgId, ContactInput normalized, bool lastInWrite)
    {
        // One round trip: the contact with this number, and which of its number and address are on the
        // do-not-contact list (what a new contact needs to know).
        var phone = normalized.PhoneE164!;
        Contact? existing;
        HashSet<string> blocked;
        using (var found = await tx.QueryMultipleAsync($"""
            SELECT {Columns} FROM contacts WHERE org_id = @orgId AND phone_e164 = @phone;
            SELECT channel FROM do_not_contact
            WHERE org_id = @orgId AND ((channel = 'voice' AND value_hash = @voiceDigest) OR (channel = 'email' AND value_hash = @emailDigest));
            """, new
        {
            orgId,
            phone,
            voiceDigest = DoNotContactList.Digest(tx, ContactChannel.Voice, phone),
            emailDigest = normalized.Email is null ? null : DoNotContactList.Digest(tx, ContactChannel.Email, normalized.Email),
        }))
        {
            existing = await found.ReadSingleOrDefaultAsync<Contact>();
            blocked = [.. await found.ReadAsync<string>()];
        }

        if (existing is null)
        {
            var id = Ids.New(tx.Now);
            return new UpsertResult(await InsertAsync(tx, orgId, normalized, id, blocked.Contains(ContactChannel.Voice), blocked.Contains(ContactChannel.Email), lastInWrite), Created: true);
        }

        var updated = await UpdateAsync(tx, existing, normalized);
        return new UpsertResult(updated, Created: false, Changed: !ReferenceEquals(updated, existing));
    }

    public Task<Contact?> FindByPhoneAsync(StoreTransaction tx, string orgId, string phoneE164) =>
        tx.QuerySingleOrDefaultAsync<Contact>($"SELECT {Columns} FROM contacts WHERE org_id = @orgId AND phone_e164 = @phoneE164", new { orgId, phoneE164 });

    /// <summary>The oldest contact of the org with this address, compared case-insensitively.</summary>
    public Task<Contact?> FindByEmailAsync(StoreTransaction tx, string orgId, string email) =>
        tx.QuerySingleOrDefaultAsync<Contact>(
            $"SELECT {Columns} FROM contacts WHERE org_id = @orgId AND email_normalized = @normalized ORDER BY id LIMIT 1",
            new { orgId, normalized = EmailAddresses.Normalize(email) });

    public Task<Contact?> GetAsync(StoreTransaction tx, string orgId, string id) =>
        tx.QuerySingleOrDefaultAsync<Contact>($"SELECT {Columns} FROM contacts WHERE org_id = @orgId AND id = @id", new { orgId, id });

    public Task<Contact?> GetAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<Contact>(new CommandDefinition(
            $"SELECT {Columns} FROM contacts WHERE org_id = @orgId AND id = @id", new { orgId, id }, cancellationToken: cancellationToken)), cancellationToken);

    /// <summary>
    /// Inserts a new contact from normalized fields (<see cref="ContactNormalizer.Normalize"/>); a number or address on
    /// the do-not-contact list arrives already opted out. <paramref name="id"/> is given by a caller that had to know
    /// the id before the write (to render text with it).
    /// </summary>
    public async Task<Contact> InsertAsync(StoreTransaction tx, string orgId, ContactInput c, string? id = null)
    {
        var blockedVoice = c.PhoneE164 is not null && await DoNotContactList.ContainsAsync(tx, orgId, ContactChannel.Voice, c.PhoneE164);
        var blockedEmail = c.Email is not null && await DoNotContactList.ContainsAsync(tx, orgId, ContactChannel.Email, c.Email);
        return await InsertAsync(tx, orgId, c, id ?? Ids.New(tx.Now), blockedVoice, blockedEmail);
    }

    private async Task<Contact> InsertAsync(StoreTransaction tx, string orgId, ContactInput c, string id, bool blockedVoice, bool blockedEmail, bool lastInWrite = false)
    {
        var now = StoredNow.Of(tx);
        if (tx.Dialect.IsPostgres)
        {
            // The contact and its event in one round trip: nothing here needs the event's seq back.
            var created = NewContact(now, orgId, c, NewContactText.Of(c), id, blockedVoice, blockedEmail);
            await outbox.AppendWithAsync(tx, InsertSql, InsertParameters(created, now), orgId, ContactEvents.Created, ContactView.From(created), lastInWrite);
            return created;
        }

        Contact contact;
        using (var insert = PrepareInsert(tx))
        {
            contact = Insert(insert, now, orgId, c, NewContactText.Of(c), id, blockedVoice, blockedEmail);
        }

        await outbox.AppendAsync(tx, orgId, ContactEvents.Created, ContactView.From(contact));
        return contact;
    }

    /// <summary>
    /// The upsert of <c>POST /contacts</c> for many already normalized rows in the caller's transaction, with the
    /// same result row by row (a number repeated in the list updates the contact its first row created). The
    /// contacts and the do-not-contact entries (by the digests the caller hashed before the write) are looked up once
    /// for the whole list, and each insert and its event run through statements prepared once.
    /// </summary>
    public async Task<IReadOnlyList<UpsertResult>> UpsertManyAsync(StoreTransaction tx, string orgId, IReadOnlyList<ContactUpsert> rows)
    {
        var phones = rows.Select(r => r.Input.PhoneE164!).Distinct().ToList();
        var byPhone = phones.Count == 0 ? [] : (await tx.QueryAsync<Contact>(
            $"SELECT {Columns} FROM contacts WHERE org_id = @orgId AND phone_e164 IN (SELECT value FROM {tx.Dialect.JsonValues("@phones")})",
            new { orgId, phones = ApplianceJson.Serialize(phones) }))
            .ToDictionary(c => c.PhoneE164!);

        var voiceDigests = new HashSet<string>();
        var emailDigests = new HashSet<string>();
        foreach (var row in rows.Where(r => !byPhone.ContainsKey(r.Input.PhoneE164!)))
        {
            voiceDigests.Add(row.VoiceDigest);
            if (row.EmailDigest is not null)
            {
                emailDigests.Add(row.EmailDigest);
            }
        }

        var blocked = await DoNotContactList.FindAsync(tx, orgId, voiceDigests, emailDigests);
        using var insert = PrepareInsert(tx);
        using var events = outbox.Batch(tx);
        using var createdJson = new ContactViewJson();
        var now = StoredNow.Of(tx);
        var ids = new IdBatch(tx.Now);
        var results = new List<UpsertResult>(rows.Count);
        foreach (var (row, voiceDigest, emailDigest, text) in rows)
        {
            var phone = row.PhoneE164!;
            if (byPhone.TryGetValue(phone, out var existing))
            {
                var updated = await UpdateAsync(tx, existing, row);
                byPhone[phone] = updated;
                results.Add(new UpsertResult(updated, Created: false, Changed: !ReferenceEquals(updated, existing)));
                continue;
            }

            var blockedEmail = emailDigest is not null && blocked.Contains(emailDigest);
            var contact = Insert(insert, now, orgId, row, text, ids.New(), blocked.Contains(voiceDigest), blockedEmail);
            events.AppendUtf8(orgId, ContactEvents.Created, createdJson.Write(contact));
            byPhone[phone] = contact;
            results.Add(new UpsertResult(contact, Created: true));
        }

        return results;
    }

    private const string InsertSql = """
        INSERT INTO contacts (id, org_id, phone_e164, name, first_name, last_name, email, email_normalized, language_pref, notes,
                              metadata, consent_capture, consent_at, opted_out_voice, opted_out_email, opted_out_at, opt_out_source, created_at, updated_at)
        VALUES (@Id, @OrgId, @PhoneE164, @Name, @FirstName, @LastName, @Email, @EmailNormalized, @LanguagePref, @Notes,
                @Metadata, @ConsentCapture, @ConsentAt, @BlockedVoice, @BlockedEmail, @OptedOutAt, @OptOutSource, @Now, @Now)
        """;

    private static PreparedCommand PrepareInsert(StoreTransaction tx) => new(tx, InsertSql,
        "@Id", "@OrgId", "@PhoneE164", "@Name", "@FirstName", "@LastName", "@Email", "@EmailNormalized", "@LanguagePref", "@Notes",
        "@Metadata", "@ConsentCapture", "@ConsentAt", "@BlockedVoice", "@BlockedEmail", "@OptedOutAt", "@OptOutSource", "@Now");

    /// <summary>Inserts the row and returns it as stored, built here rather than read back (timestamps at the store's millisecond).</summary>
    private static Contact Insert(PreparedCommand insert, StoredNow now, string orgId, ContactInput c, NewContactText text, string id, bool blockedVoice, bool blockedEmail)
    {
        var contact = NewContact(now, orgId, c, text, id, blockedVoice, blockedEmail);
        insert.Set("@Id", contact.Id)
            .Set("@OrgId", contact.OrgId)
            .Set("@PhoneE164", contact.PhoneE164)
            .Set("@Name", contact.Name)
            .Set("@FirstName", contact.FirstName)
            .Set("@LastName", contact.LastName)
            .Set("@Email", contact.Email)
            .Set("@EmailNormalized", contact.EmailNormalized)
            .Set("@LanguagePref", contact.LanguagePref)
            .Set("@Notes", contact.Notes)
            .Set("@Metadata", contact.Metadata)
            .Set("@ConsentCapture", contact.ConsentCapture)
            .Set("@ConsentAt", contact.ConsentAt is null ? null : now.Text)
            .Set("@BlockedVoice", blockedVoice)
            .Set("@BlockedEmail", blockedEmail)
            .Set("@OptedOutAt", contact.OptedOutAt is null ? null : now.Text)
            .Set("@OptOutSource", contact.OptOutSource)
            .Set("@Now", now.Text)
            .Execute();
        return contact;
    }

    /// <summary>The row a new contact is stored as, from normalized fields and the text they give (<see cref="NewContactText.Of"/>).</summary>
    private static Contact NewContact(StoredNow now, string orgId, ContactInput c, NewContactText text, string id, bool blockedVoice, bool blockedEmail)
    {
        var optedOut = blockedVoice || blockedEmail;
        return new Contact
        {
            Id = id,
            OrgId = orgId,
            PhoneE164 = c.PhoneE164,
            Name = text.Name,
            FirstName = c.FirstName,
            LastName = c.LastName,
            Email = c.Email,
            EmailNormalized = text.EmailNormalized,
            LanguagePref = c.LanguagePref,
            Notes = c.Notes,
            Metadata = text.Metadata,
            ConsentCapture = c.ConsentCapture,
            ConsentAt = c.ConsentCapture is null ? null : now.At,
            OptedOutVoice = blockedVoice,
            OptedOutEmail = blockedEmail,
            OptedOutAt = optedOut ? now.At : null,
            OptOutSource = optedOut ? "do_not_contact_list" : null,
            CreatedAt = now.At,
            UpdatedAt = now.At,
        };
    }

    /// <summary>The values of <see cref="InsertSql"/> for a row of <see cref="NewContact"/>, as <see cref="Insert"/> binds them.</summary>
    private static DynamicParameters InsertParameters(Contact contact, StoredNow now) => new(new
    {
        contact.Id,
        contact.OrgId,
        contact.PhoneE164,
        contact.Name,
        contact.FirstName,
        contact.LastName,
        contact.Email,
        contact.EmailNormalized,
        contact.LanguagePref,
        contact.Notes,
        contact.Metadata,
        contact.ConsentCapture,
        ConsentAt = contact.ConsentAt is null ? null : now.Text,
        BlockedVoice = contact.OptedOutVoice,
        BlockedEmail = contact.OptedOutEmail,
        OptedOutAt = contact.OptedOutAt is null ? null : now.Text,
        contact.OptOutSource,
        Now = now.Text,
    });

    /// <summary>Applies the given normalized fields; unchanged contacts are returned as they are, with no event.</summary>
    public async Task<Contact> UpdateAsync(StoreTransaction tx, Contact existing, ContactInput c)
    {
        var metadata = JsonNode.Parse(existing.Metadata)?.AsObject() ?? [];
        foreach (var (key, value) in c.Metadata ?? [])
        {
            metadata[key] = value?.DeepClone();
        }

        var firstName = c.FirstName ?? existing.FirstName;
        var lastName = c.LastName ?? existing.LastName;
        var name = c.Name ?? (c.FirstName is not null || c.LastName is not null ? NewContactText.JoinName(firstName, lastName) : existing.Name);
        var email = c.Email ?? existing.Email;
        var consentChanged = c.ConsentCapture is not null && c.ConsentCapture != existing.ConsentCapture;
        var changed = new
        {
            Id = existing.Id,
            PhoneE164 = c.PhoneE164 ?? existing.PhoneE164,
            Name = name,
            FirstName = firstName,
            LastName = lastName,
            Email = email,
            EmailNormalized = email is null ? null : EmailAddresses.Normalize(email),
            LanguagePref = c.LanguagePref ?? existing.LanguagePref,
            Notes = c.Notes ?? existing.Notes,
            Metadata = metadata.ToJsonString(),
            ConsentCapture = c.ConsentCapture ?? existing.ConsentCapture,
            ConsentAt = consentChanged ? tx.Now : existing.ConsentAt,
            tx.Now,
        };
        var same = changed.PhoneE164 == existing.PhoneE164 && changed.Name == existing.Name && changed.FirstName == existing.FirstName
            && changed.LastName == existing.LastName && changed.Email == existing.Email && changed.LanguagePref == existing.LanguagePref
            && changed.Notes == existing.Notes && JsonNode.DeepEquals(metadata, JsonNode.Parse(existing.Metadata)) && !consentChanged;
        if (same)
        {
            return existing;
        }

        var updated = await tx.QuerySingleAsync<Contact>($"""
            UPDATE contacts SET phone_e164 = @PhoneE164, name = @Name, first_name = @FirstName, last_name = @LastName, email = @Email,
                email_normalized = @EmailNormalized, language_pref = @LanguagePref, notes = @Notes, metadata = @Metadata,
                consent_capture = @ConsentCapture, consent_at = @ConsentAt, updated_at = @Now
            WHERE id = @Id
            RETURNING {Columns}
            """, changed);
        await outbox.AppendAsync(tx, existing.OrgId, ContactEvents.Updated, ContactView.From(updated));
        return updated;
    }

    public Task<Page<Contact>> ListAsync(string orgId, ContactFilter filter, PageRequest page, CancellationToken cancellationToken = default)
    {
        var search = string.IsNullOrWhiteSpace(filter.Search) ? null : QueryValues.LikeContains(filter.Search.Trim().ToLowerInvariant());
        var like = store.Dialect.LikeIgnoringCase;
        return ListQuery.OfOrg("contacts", Columns)
            .Where(filter.ConsentCapture is not null, "consent_capture = @ConsentCapture")
            .Where(filter.OptedOut == true, "(opted_out_voice = 1 OR opted_out_email = 1)")
            .Where(filter.OptedOut == false, "(opted_out_voice = 0 AND opted_out_email = 0)")
            .Where(search is not null, $@"(name {like} @Search ESCAPE '\' OR email_normalized LIKE @Search ESCAPE '\' OR phone_e164 LIKE @Search ESCAPE '\')")
            .Where(filter.CreatedAfter is not null, "created_at > @CreatedAfter")
            .Where(filter.CreatedBefore is not null, "created_at < @CreatedBefore")
            .ReadAsync<Contact>(store, new { OrgId = orgId, filter.ConsentCapture, Search = search, filter.CreatedAfter, filter.CreatedBefore }, page, cancellationToken);
    }

    /// <summary>Opts the contact out of one channel or all; the number or address also joins the do-not-contact list.</summary>
    public Task<Contact> OptOutAsync(string orgId, string id, string channel, string? source, CancellationToken cancellationToken = default)
    {
        if (channel is not (ContactChannel.Voice or ContactChannel.Email or ContactChannel.All))
        {
            new FieldErrors().Add("channel", "channel must be voice, email or all").ThrowIfAny();
        }

        if (source is { Length: > 100 })
        {
            new FieldErrors().Add("source", "source must be at most 100 characters").ThrowIfAny();
        }

        return store.WriteAsync(async tx =>
        {
            var contact = await GetAsync(tx, orgId, id) ?? throw ApplianceException.NotFound("Contact", "id");
            return await OptOutAsync(tx, contact, channel, source ?? "api");
        }, cancellationToken);
    }

    public async Task<Contact> OptOutAsync(StoreTransaction tx, Contact contact, string channel, string source)
    {
        var voice = channel is ContactChannel.Voice or ContactChannel.All;
        var email = channel is ContactChannel.Email or ContactChannel.All;
        if (voice && contact.PhoneE164 is not null)
        {
            await DoNotContactList.AddAsync(tx, contact.OrgId, ContactChannel.Voice, contact.PhoneE164, "opted_out");
        }

        if (email && contact.Email is not null)
        {
            await DoNotContactList.AddAsync(tx, contact.OrgId, ContactChannel.Email, contact.Email, "opted_out");
        }

        var updated = await tx.QuerySingleAsync<Contact>($"""
            UPDATE contacts SET opted_out_voice = CASE WHEN @voice = 1 THEN 1 ELSE opted_out_voice END,
                opted_out_email = CASE WHEN @email = 1 THEN 1 ELSE opted_out_email END,
                opted_out_at = @Now, opt_out_source = @source, updated_at = @Now
            WHERE id = @Id
            RETURNING {Columns}
            """, new { voice, email, source, tx.Now, contact.Id });
        await outbox.AppendAsync(tx, contact.OrgId, ContactEvents.OptedOut, new { contact = ContactView.From(updated), channel, source });
        return updated;
    }

    /// <summary>
    /// Erases the contact's personal data: the row goes, every feature's copies go through its
    /// <see cref="IContactErasureStep"/>, earlier <c>contact.*</c> events lose their personal fields, and only keyed
    /// digests of the number and address stay, on the do-not-contact list. The writer runs with
    /// <c>secure_delete</c>, and a checkpoint afterwards empties the WAL, so the bytes are gone from the files too.
    /// </summary>
    public async Task EraseAsync(string orgId, string id, CancellationToken cancellationToken = default)
    {
        await store.WriteAsync(async tx =>
        {
            var contact = await GetAsync(tx, orgId, id) ?? throw ApplianceException.NotFound("Contact", "id");
            if (contact.PhoneE164 is not null)
            {
                await DoNotContactList.AddAsync(tx, orgId, ContactChannel.Voice, contact.PhoneE164, "erased");
            }

            if (contact.Email is not null)
            {
                await DoNotContactList.AddAsync(tx, orgId, ContactChannel.Email, contact.Email, "erased");
            }

            foreach (var step in erasureSteps)
            {
                await step.EraseAsync(tx, contact);
            }

                var sql = tx.Dialect;
            await tx.ExecuteAsync($"""
                UPDATE events SET data = {sql.JsonObject(("id", "@Id"), ("erased", sql.JsonTrue))}
                WHERE org_id = @OrgId AND type LIKE 'contact.%'
                  AND ({sql.JsonText("data", "id")} = @Id OR {sql.JsonText("data", "contact.id")} = @Id)
                """, new { contact.Id, contact.OrgId });
            await tx.ExecuteAsync("DELETE FROM contacts WHERE id = @Id", new { contact.Id });
            await outbox.AppendAsync(tx, orgId, ContactEvents.Deleted, new { id = contact.Id, erased = true });
        }, cancellationToken);

        // The erasure is committed; a reader holding an old snapshot may delay this, never undo it.
        await store.CheckpointAsync(CancellationToken.None);
    }

    /// <summary>The transaction's time as stored (text, to the millisecond) and read back, worked out once for a batch's rows.</summary>
    private sealed record StoredNow(string Text, DateTimeOffset At)
    {
        public static StoredNow Of(StoreTransaction tx)
        {
            var text = UtcTimestamp.Format(tx.Now);
            return new StoredNow(text, UtcTimestamp.Parse(text));
        }
    }
}
