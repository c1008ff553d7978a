using System.Security.Cryptography;
using System.Text;
using Cualify.Appliance.Core.AdminNotices;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// <c>sequences/start</c> in one transaction: the idempotency check, the contact upsert (primary email, then
/// phone; notes appended with a <c>[via API …]</c> tag), the enrollment with its steps rendered in the contact's
/// language, then either the first step now (<c>auto_approve</c>: an email step is due at once and wakes the mail
/// runner; a voice step's call is queued in this same transaction and wakes the dialer) or the review gate with an
/// email to the admins.
/// </summary>
public sealed class SequenceStarter(
    ApplianceStore store,
    ContactStore contacts,
    SequenceTemplateStore templates,
    EnrollmentStore enrollments,
    EventOutbox outbox,
    AdminNoticeStore notices,
    ReviewRequest reviewRequest,
    VoiceSteps voiceSteps,
    IOptions<SendingWindowOptions> windowOptions)
{
    public Task<SequenceStartResult> StartAsync(string orgId, SequenceStartInput input, CancellationToken cancellationToken = default)
    {
        var request = StartRequestRules.Validate(input);
        var fingerprint = Fingerprint(input);
        return store.WriteAsync(async tx =>
        {
            if (request.IdempotencyKey is not null)
            {
                var earlier = await tx.QuerySingleOrDefaultAsync<Enrollment>(
                    $"SELECT {EnrollmentStore.Columns} FROM sequence_enrollments WHERE org_id = @orgId AND idempotency_key = @key",
                    new { orgId, key = request.IdempotencyKey });
                if (earlier is not null)
                {
                    return earlier.RequestFingerprint == fingerprint
                        ? new SequenceStartResult(earlier.Id, earlier.ContactId, earlier.TemplateId, earlier.Status, Created: false)
                        : throw ApplianceException.Conflict("This idempotency_key was already used with a different request", "idempotency_key");
                }
            }

            var template = await templates.GetAsync(tx, orgId, request.TemplateId) ?? throw ApplianceException.NotFound("Sequence template", "template_id");
            var contact = await UpsertContactAsync(tx, orgId, request);
            var enrollment = await CreateEnrollmentAsync(tx, template, contact, request.IdempotencyKey, fingerprint);
            if (input.AutoApprove)
            {
                enrollment = await enrollments.ActivateAsync(tx, enrollment, forceFirstStep: true);
            }
            else
            {
                var steps = await enrollments.StepsAsync(tx, enrollment.Id);
                var (subject, body) = reviewRequest.Compose(template, contact, enrollment, steps);
                await notices.QueueAsync(tx, orgId, subject, body);
            }

            await outbox.AppendAsync(tx, enrollment.OrgId, SequenceEvents.EnrollmentCreated, new
            {
                enrollment_id = enrollment.Id,
                template_id = enrollment.TemplateId,
                contact_id = enrollment.ContactId,
                status = enrollment.Status,
                language = enrollment.Language,
                auto_approve = input.AutoApprove,
            });
            if (input.AutoApprove)
            {
                // A refused first call may already end the enrollment (an opted-out number): report what it is now.
                await voiceSteps.PlaceFirstAsync(tx, enrollment);
                enrollment = await enrollments.GetAsync(tx, enrollment.Id);
            }

            return new SequenceStartResult(enrollment.Id, contact.Id, template.Id, enrollment.Status, Created: true);
        }, cancellationToken);
    }

    private async Task<Contact> UpsertContactAsync(StoreTransaction tx, string orgId, StartRequest request)
    {
        Contact? existing = null;
        if (request.PrimaryEmail is not null)
        {
            existing = await contacts.FindByEmailAsync(tx, orgId, request.PrimaryEmail);
        }

        foreach (var number in request.Phones)
        {
            existing ??= await contacts.FindByPhoneAsync(tx, orgId, number);
        }

        var c = request.Contact;
        var tag = $"[via API {tx.Now.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}]";
        var taggedNotes = string.IsNullOrWhiteSpace(c.Notes) ? null : $"{tag} {c.Notes.Trim()}";
        if (existing is null)
        {
            return await contacts.InsertAsync(tx, orgId, new NormalizedContact(
                request.Phones.FirstOrDefault(), null, c.FirstName?.Trim(), c.LastName?.Trim(), request.PrimaryEmail,
                c.LanguagePref?.Trim(), taggedNotes, c.Metadata, c.ConsentCapture));
        }

        string? phone = null;
        foreach (var candidate in request.Phones)
        {
            var holder = await contacts.FindByPhoneAsync(tx, orgId, candidate);
            if (holder is null || holder.Id == existing.Id)
            {
                phone = candidate;
                break;
            }
        }

        var notes = taggedNotes is null ? null
            : string.IsNullOrWhiteSpace(existing.Notes) ? taggedNotes
            : $"{existing.Notes}\n\n{taggedNotes}";
        return await contacts.UpdateAsync(tx, existing, new NormalizedContact(
            phone, null, c.FirstName?.Trim(), c.LastName?.Trim(), request.PrimaryEmail, c.LanguagePref?.Trim(), notes, c.Metadata, c.ConsentCapture));
    }

    private async Task<Enrollment> CreateEnrollmentAsync(StoreTransaction tx, SequenceTemplate template, Contact contact, string? idempotencyKey, string fingerprint)
    {
        var (steps, language) = template.StepsFor(contact.LanguagePref);
        var reachable = steps.Any(s => s.Channel == ContactChannel.Email ? contact.Email is not null : contact.PhoneE164 is not null);
        if (!reachable)
        {
            var needs = steps.All(s => s.Channel == ContactChannel.Email) ? "an email address" : steps.All(s => s.Channel == ContactChannel.Voice) ? "a phone number" : "an email address or a phone number";
            new FieldErrors().Add("contact", $"This template's steps need {needs}, and the contact has none").ThrowIfAny();
        }

        var zones = SendingWindow.ZonesFor(contact.PhoneE164, windowOptions.Value.DefaultZone);
        var enrollment = await tx.QuerySingleAsync<Enrollment>($"""
            INSERT INTO sequence_enrollments (id, org_id, template_id, contact_id, status, language, sending_window, time_zone, stop_on_reply,
                                              idempotency_key, request_fingerprint, created_at, updated_at)
            VALUES (@Id, @OrgId, @TemplateId, @ContactId, 'pending_review', @language, @SendingWindow, @TimeZone, @StopOnReply,
                    @idempotencyKey, @fingerprint, @Now, @Now)
            RETURNING {EnrollmentStore.Columns}
            """, new
        {
            Id = Ids.Prefixed("enr", tx.Now),
            template.OrgId,
            TemplateId = template.Id,
            ContactId = contact.Id,
            language,
            template.SendingWindow,
            TimeZone = string.Join(',', zones.Select(z => z.Id)),
            template.StopOnReply,
            idempotencyKey,
            fingerprint,
            tx.Now,
        });

        string? firstSubject = null;
        for (var position = 0; position < steps.Count; position++)
        {
            var step = steps[position];
            var subject = LiquidText.Render(step.Subject, contact);
            if (step.Channel == ContactChannel.Email)
            {
                if (firstSubject is null)
                {
                    firstSubject = subject;
                }
                else
                {
                    var own = string.IsNullOrWhiteSpace(subject) ? firstSubject : subject;
                    subject = own.StartsWith("Re:", StringComparison.OrdinalIgnoreCase) ? own : "Re: " + own;
                }
            }

            await tx.ExecuteAsync("""
                INSERT INTO sequence_steps (id, enrollment_id, position, channel, delay_minutes, subject, body, agent_id, status, token)
                VALUES (@Id, @EnrollmentId, @position, @Channel, @DelayMinutes, @subject, @body, @AgentId, 'pending', @token)
                """, new
            {
                Id = Ids.New(tx.Now),
                EnrollmentId = enrollment.Id,
                position,
                step.Channel,
                step.DelayMinutes,
                subject = string.IsNullOrEmpty(subject) ? null : subject,
                body = LiquidText.Render(step.Body, contact),
                step.AgentId,
                token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            });
        }

        return enrollment;
    }

    /// <summary>The same request always gives the same fingerprint, whatever its JSON spacing or the order of its top-level fields.</summary>
    private static string Fingerprint(SequenceStartInput input) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ApplianceJson.Serialize(input with { IdempotencyKey = null }))));
}
