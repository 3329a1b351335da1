/**
 * Checkpoints in the safetensors layout (spec §7): {@link ai.merba.checkpoint.Checkpoint} saves and loads
 * models; failures are {@link ai.merba.checkpoint.CheckpointException} subclasses.
 */
package ai.merba.checkpoint;
