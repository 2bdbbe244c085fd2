using System.Text;
using Supervisor.Storage;
using Supervisor.Storage.Backends.Sqlite;

// A tour of the storage engine on an embedded store of its own (the "storage-demo" domain's SQLite file), so it never
// writes into the store the CLI and its example plugins use (the "default" domain).
var domain = args.Length > 0 ? args[0] : "storage-demo";
var options = new StorageOptions { Domain = domain };
Console.WriteLine($"store: {SqliteOptions.DefaultPath(domain)}");
using var store = KeyValueStore.Create(options);
using var session = store.OpenSession();

using (var op = session.BeginOperation())
{
    // What clientdata does for a plugin "notes": its own bucket under service clientdata.
    var notes = op.OpenBucket("local", DbMode.NonTransactional, StorageDuration.Persistent, Names.ClientData, "notes");
    notes.Set("greeting", Encoding.UTF8.GetBytes("hello from the storage engine"));
    var runs = notes.Increment("runs", 1);
    Console.WriteLine($"greeting = {Encoding.UTF8.GetString(notes.Get("greeting")!)}");
    Console.WriteLine($"runs = {runs}");

    // A transactional write is kept only if the operation succeeds.
    var drafts = op.OpenBucket("local", DbMode.Transactional, StorageDuration.Persistent, "notes", "drafts");
    drafts.Set($"draft-{runs}", Encoding.UTF8.GetBytes("kept when the operation commits"));
    op.Commit();
}

foreach (var chain in store.ListChains())
{
    Console.WriteLine($"chain {chain.Name}: {chain.Items} records, {chain.Bytes} bytes");
    foreach (var service in store.ListServices(chain.Name))
        Console.WriteLine($"  service {service.Name}: {service.Items} records, {service.Bytes} bytes");
}
var usage = store.GetUsage("local", "notes");
Console.WriteLine($"charged to plugin notes: {usage.Items} records, {usage.Bytes} bytes of {store.Limits.QuotaBytes}");
