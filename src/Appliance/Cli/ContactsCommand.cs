using System.CommandLine;
using Cualify.Appliance.Core.Contacts.Import;

namespace Cualify.Appliance.Cli;

/// <summary><c>contacts import FILE [--org ORG]</c>: the same import as <c>POST /contacts/import</c>, with a progress line.</summary>
public static class ContactsCommand
{
    public static Command Create()
    {
        var contacts = new Command("contacts", "Manage contacts");
        var file = new Argument<FileInfo>("file") { Description = "CSV file (UTF-8) whose first row names the columns: phone_e164, name, first_name, last_name, email, language_pref, consent_capture, notes, metadata.<key>" };
        var org = new Option<string>("--org") { Description = "Org id or name", DefaultValueFactory = _ => "default" };
        var import = new Command("import", "Import contacts from a CSV file (each row upserted like POST /api/v1/contacts)") { file, org };
        import.SetAction((parse, cancellationToken) => CliErrors.GuardAsync(async () =>
        {
            await using var cli = await CliStore.OpenAsync(parse, cancellationToken);
            var target = await CliStore.RequireOrgAsync(cli, parse.GetValue(org)!, cancellationToken);
            var path = parse.GetValue(file)!;
            var imports = cli.Get<ContactImports>();
            ContactImport begun;
            await using (var content = path.OpenRead())
            {
                begun = await imports.BeginAsync(target.Id, content, "cli", cancellationToken);
            }

            var interactive = !Console.IsOutputRedirected;
            var done = await imports.RunAsync(begun.Id, new InlineProgress<ContactImport>(progress =>
            {
                var line = $"Importing {path.Name}: {progress.Rows}/{progress.RowsTotal} rows, {progress.Created} created, {progress.Updated} updated, {progress.Skipped} skipped";
                if (interactive)
                {
                    Console.Out.Write($"\r{line}");
                }
            }), cancellationToken);
            if (interactive)
            {
                Console.Out.WriteLine();
            }

            var view = await imports.ViewAsync(target.Id, done.Id, cancellationToken);
            Console.Out.WriteLine($"Import {done.Id} {done.Status}: {done.Rows} rows, {done.Created} created, {done.Updated} updated, {done.Unchanged} unchanged, "
                + $"{done.Skipped} skipped, {done.DoNotContact} on the do-not-contact list, {done.WithoutConsent} without consent");
            foreach (var error in view!.Errors.Take(20))
            {
                Console.Out.WriteLine($"  row {error.Row}{(error.Field is null ? "" : $" {error.Field}")}: {error.Message}");
            }

            if (done.ErrorCount > 20)
            {
                Console.Out.WriteLine($"  … {done.ErrorCount - 20} more errors: GET /api/v1/contacts/imports/{done.Id}");
            }

            if (done.Failure is not null)
            {
                Console.Error.WriteLine(done.Failure);
            }

            return done.Status == ContactImportStatus.Completed ? 0 : 1;
        }));
        contacts.Subcommands.Add(import);
        return contacts;
    }
}
