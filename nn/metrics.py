"""Classification metrics: accuracy, precision, recall, f1_score, confusion_matrix."""
