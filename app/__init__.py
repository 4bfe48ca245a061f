"""The Streamlit app: it reads a study's results/ folder and renders them."""
