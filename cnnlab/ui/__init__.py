"""The only Streamlit code in cnnlab: page pieces; uses every layer below, imported only by pages."""
