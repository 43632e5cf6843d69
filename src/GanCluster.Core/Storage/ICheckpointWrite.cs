namespace GanCluster.Core.Storage;

/// <summary>
/// One checkpoint being written: its files first, the manifest last. <see cref="Publish"/> makes it visible (a
/// folder's rename, or the manifest object's upload); disposing it unpublished removes what was written.
/// </summary>
public interface ICheckpointWrite : IDisposable
{
    void WriteFile(string name, byte[] bytes);

    /// <summary>Holds the manifest; it is the last thing <see cref="Publish"/> makes durable.</summary>
    void WriteManifest(byte[] manifest);

    /// <summary>The commit: after it returns, readers see the checkpoint. Returns its address.</summary>
    string Publish();

    /// <summary>Undoes the write, published or not (the world fence refused it): readers no longer see it.</summary>
    void Abandon();
}
