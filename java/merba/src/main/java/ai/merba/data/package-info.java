/**
 * Datasets on disk: {@link ai.merba.data.Manifest} (the CSV index of spec §6, validated row by row),
 * {@link ai.merba.data.FlowDecoder} (PNG/JPEG/.npy flow files to channel-major floats),
 * {@link ai.merba.data.FlowDataset} (decoded samples in memory, subsets and leave-one-subject-out folds) and
 * {@link ai.merba.data.SyntheticFlows} (a small made-up dataset for tests). Pure Java: nothing here needs the
 * native core.
 */
package ai.merba.data;
