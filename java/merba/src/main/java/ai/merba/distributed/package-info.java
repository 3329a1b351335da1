/**
 * Several processes working as one, over PyTorch's c10d: {@link ai.merba.distributed.Rendezvous} (torchrun's
 * rank, world size and master address, or a store file) and {@link ai.merba.distributed.ProcessGroup} (joined once per
 * process, closed when done). A group serves data-parallel training ({@link ai.merba.train.Trainer#optProcessGroup})
 * and fold fan-out ({@link ai.merba.eval.EvaluationRunner#withProcessGroup}). docs/scaling.md says how to launch
 * the processes and what the communication costs.
 */
package ai.merba.distributed;
