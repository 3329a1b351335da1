/**
 * Scoring of predictions as spec §5 defines it: {@link ai.merba.eval.ConfusionMatrix},
 * {@link ai.merba.eval.ClassMetrics} (Acc, UF1, UAR) and {@link ai.merba.eval.LosoReport} (pooled, per-dataset
 * and per-fold results of a leave-one-subject-out run, as JSON and as a table). Pure Java.
 */
package ai.merba.eval;
